"""The periodic deadline sweep: yellow and red warnings, and automatic supervision of cases left overdue.

Warnings are two UPDATEs over indexed columns (stage_warn_at, stage_due_at), whatever the number of cases. Automatic
supervision claims each case with a compare-and-set on its version, so two sweeps running at once (two workers)
never supervise a case twice, and a user acting at the same moment either wins or is told of the conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.cases.models import OPEN_STATUSES, Case, CaseEvent, Status, Supervision
from civicgrid.cases.services import case_changed

TIMED = [s for s in OPEN_STATUSES if s != Status.SUSPENDED]


@dataclass(frozen=True)
class SweepResult:
    yellow: int
    red: int
    supervised: int


def auto_supervision_delay() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CASE_AUTO_SUPERVISION_MINUTES", 1440)))


def sweep_deadlines(now: datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    red = Case.objects.filter(status__in=TIMED, stage_due_at__lt=now).exclude(warning_level="red").update(
        warning_level="red", ever_overdue=True)
    yellow = Case.objects.filter(status__in=TIMED, stage_warn_at__lte=now, stage_due_at__gte=now,
                                 warning_level="").update(warning_level="yellow")
    supervised = 0
    late = (Case.objects.filter(status__in=TIMED, supervised=False, stage_due_at__lt=now - auto_supervision_delay())
            .values_list("pk", "version", "status", "stage_due_at")[:500])
    for pk, version, status, due in late:
        supervised += _supervise_automatically(pk, version, status, due, now)
    return SweepResult(yellow=yellow, red=red, supervised=supervised)


def _supervise_automatically(pk: int, version: int, status: str, due: datetime, now: datetime) -> int:
    with transaction.atomic():
        claimed = Case.objects.filter(pk=pk, version=version, supervised=False).update(
            supervised=True, version=F("version") + 1)
        if not claimed:
            return 0
        hours = int((now - due).total_seconds() // 3600)
        reason = f"overdue by {hours} hours: supervised automatically"
        CaseEvent.objects.create(case_id=pk, action="supervise", from_status=status, to_status=status, actor=None,
                                 actor_role="system", at=now, note=reason, data={"level": Supervision.Level.AUTO})
        Supervision.objects.create(case_id=pk, level=Supervision.Level.AUTO, raised_at=now,
                                   due_at=now + auto_supervision_delay(), reason=reason)
        transaction.on_commit(lambda: case_changed.send(sender=Case, case=Case.objects.get(pk=pk),
                                                        action="supervise", actor=None))
    return 1

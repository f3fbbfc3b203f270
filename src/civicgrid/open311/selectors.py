"""Reads of the Open311 adapter: the services offered (the taxonomy's second level) and the public view of cases.

Open311's GET requests is public: anyone may read it without signing in. What it shows is therefore cut down to
what a public tracking page shows: status, category, place, the description and the notes the resident is told,
never the contact details; phone and identity numbers that residents type into free text are masked.

The public list itself (`civicgrid.cases.selectors.public_cases`) holds only cases about the city's fabric (GB/T 30428
components and events); requests of the 12345 types (consultations, complaints, reports about people) stay private.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from civicgrid.cases.models import FINAL_STATUSES, OPEN_STATUSES, Case, Category
from civicgrid.cases.selectors import PUBLIC_NOTE_ACTIONS, public_cases  # noqa: F401  (PUBLIC_NOTE_ACTIONS re-exported)
from civicgrid.core.crypto import mask_phone

MAX_REQUESTS = 1000  # GeoReport v2: "first 1000 requests returned"


_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_IDENTITY = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Mask mobile numbers (138****5678) and identity numbers (320***********1234) in free text."""
    if not text:
        return text
    text = _IDENTITY.sub(lambda m: m.group()[:3] + "*" * 11 + m.group()[-4:], text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()[-11:]), text)


# ------------------------------------------------------------------------------------------------------ services


def services() -> QuerySet[Category]:
    """Each active second-level category is an Open311 service; its parent is the group."""
    return (Category.objects.filter(is_active=True, parent__isnull=False, parent__parent__isnull=True)
            .select_related("parent").order_by("kind", "code"))


def service(code: str) -> Category | None:
    return services().filter(code=code).first()


# ------------------------------------------------------------------------------------------------------ requests


def open311_status(case: Case) -> str:
    """closed for closed, evaluated, rejected and merged cases (as FixMyStreet maps its states); open otherwise."""
    return "closed" if case.status in FINAL_STATUSES else "open"


def find_requests(*, ids: list[str] | None = None, service_codes: list[str] | None = None,
                  start: datetime | None = None, end: datetime | None = None,
                  statuses: list[str] | None = None) -> list[Case]:
    """GET requests: by ticket numbers (which override every other filter), else by service, date range and status;
    newest first, at most MAX_REQUESTS."""
    queryset = public_cases()
    if ids:
        queryset = queryset.filter(ticket_no__in=ids)
    else:
        if service_codes:
            queryset = queryset.filter(category__code__in=service_codes)
        if start is not None:
            queryset = queryset.filter(reported_at__gte=start)
        if end is not None:
            queryset = queryset.filter(reported_at__lte=end)
        if statuses and set(statuses) != {"open", "closed"}:
            queryset = queryset.filter(status__in=OPEN_STATUSES if "open" in statuses else FINAL_STATUSES)
    return list(queryset.order_by("-reported_at", "-id")[:MAX_REQUESTS])


def find_request(ticket_no: str) -> Case | None:
    return public_cases().filter(ticket_no=ticket_no.strip()).first()


def status_notes(case: Case) -> str | None:
    """The last note the resident is told (a merged case: which case it joined)."""
    if case.merged_into_id and case.merged_into:
        return _("duplicate of case %(ticket)s") % {"ticket": case.merged_into.ticket_no}
    notes = getattr(case, "public_notes", None)
    if notes is None:
        notes = list(case.events.filter(action__in=PUBLIC_NOTE_ACTIONS).exclude(note="").order_by("at", "id"))
    return redact(notes[-1].note) if notes else None

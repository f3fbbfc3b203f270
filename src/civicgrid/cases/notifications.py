"""Who is told what when a case moves. Subscribed to `case_changed` (sent after commit) in CasesConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicgrid.cases.models import Case
from civicgrid.core.crypto import decrypt
from civicgrid.core.notifications import Message, notify
from civicgrid.geo.models import PATH_SEPARATOR
from civicgrid.people.models import Role, User


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split(PATH_SEPARATOR) if p]
    return [PATH_SEPARATOR.join(parts[: i + 1]) + PATH_SEPARATOR for i in range(len(parts))]


def dispatchers_for(case: Case) -> list[User]:
    """Active dispatchers whose scope covers the case's place."""
    return list(User.objects.filter(role=Role.DISPATCHER, is_active=True,
                                    scope_grants__region__path__in=_ancestor_paths(case.region_path)).distinct())


def handlers_of(case: Case) -> list[User]:
    if not case.department_id:
        return []
    return list(User.objects.filter(role=Role.DEPARTMENT_HANDLER, is_active=True, department_id=case.department_id))


def grid_workers_of(case: Case) -> list[User]:
    if not case.grid_id:
        return []
    return list(User.objects.filter(role=Role.GRID_WORKER, is_active=True, scope_grants__region_id=case.grid_id))


def _to_reporter(case: Case, title: str, body: str) -> Message:
    phones = () if case.anonymous or not case.contact_phone_encrypted else (decrypt(case.contact_phone_encrypted),)
    users = (case.reporter,) if case.reporter_id else ()
    return Message(title=title, body=body, link=f"/track/{case.ticket_no}/", users=users, phones=phones,
                   tags={"case": case.ticket_no})


def _to_staff(users, title: str, case: Case) -> Message:
    return Message(title=title, body=case.title, link=f"/cases/{case.ticket_no}/", users=tuple(users),
                   tags={"case": case.ticket_no})


def message_for(case: Case, action: str) -> Message | None:
    t = case.ticket_no
    if action == "accept":
        return _to_reporter(case, _("Your request %(t)s has been accepted") % {"t": t}, case.title)
    if action == "reject":
        note = case.events.filter(action="reject").order_by("-id").values_list("note", flat=True).first() or ""
        return _to_reporter(case, _("Your request %(t)s cannot be taken on") % {"t": t}, note)
    if action == "close":
        return _to_reporter(case, _("Your request %(t)s has been dealt with: please rate it") % {"t": t}, case.title)
    if action in ("dispatch", "fail_verification"):
        title = (_("New case for your department: %(t)s") if action == "dispatch"
                 else _("Case %(t)s failed verification: rework needed")) % {"t": t}
        return _to_staff(handlers_of(case), title, case)
    if action == "handle":
        return _to_staff(grid_workers_of(case), _("Case %(t)s handled: please verify on site") % {"t": t}, case)
    if action in ("return", "request_extension", "reopen"):
        title = {"return": _("Case %(t)s returned by the department: dispatch again"),
                 "request_extension": _("Case %(t)s: extension requested"),
                 "reopen": _("Case %(t)s reopened by the resident")}[action] % {"t": t}
        return _to_staff(dispatchers_for(case), title, case)
    if action == "supervise":
        return _to_staff(handlers_of(case) + dispatchers_for(case), _("Case %(t)s is under supervision") % {"t": t},
                         case)
    return None


def on_case_changed(sender, case: Case, action: str, actor=None, **kwargs) -> None:
    message = message_for(case, action)
    if message is not None:
        notify(message)

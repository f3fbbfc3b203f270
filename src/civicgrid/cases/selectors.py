"""Reads of cases. Every list a user sees goes through `cases_for(user)`: region scope, department, own reports."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from civicgrid.cases.errors import CaseNotFound
from civicgrid.cases.models import Case, CaseEvent, CategoryKind, Status
from civicgrid.core.crypto import decrypt, lookup_hash, mask_phone
from civicgrid.people.models import Role
from civicgrid.people.scoping import scope_of, scope_q

LIST_RELATED = ("category", "category__parent", "department", "grid")


def _sees_own_reports(user, scope) -> bool:
    """Residents and grid workers follow what they reported, wherever it is; so does anyone without a region scope."""
    return bool(getattr(user, "pk", None)) and (
        getattr(user, "role", None) in (Role.RESIDENT, Role.GRID_WORKER) or not (scope.paths or scope.unrestricted))


def _sees_department(user) -> bool:
    return getattr(user, "role", None) == Role.DEPARTMENT_HANDLER and bool(getattr(user, "department_id", None))


def can_see(case: Case, actor) -> bool:
    """The one rule for a single case, the same as `cases_for` applies to lists."""
    scope = scope_of(actor)
    if scope.covers_path(case.region_path):
        return True
    if _sees_department(actor) and case.department_id == actor.department_id:
        return True
    return _sees_own_reports(actor, scope) and case.reporter_id == actor.pk


def cases_for(user) -> QuerySet[Case]:
    """The cases `user` may see: their region scope; a handler also their department's; residents and grid workers
    also what they reported. (Each OR is added only for the role that needs it: an OR keeps the database from using
    the (status, reported_at) index for the queue.)"""
    qs = Case.objects.all()
    scope = scope_of(user)
    if scope.unrestricted:
        return qs
    q = scope_q(scope, Case.scope_path_field)
    if _sees_department(user):
        q |= Q(department_id=user.department_id)
    if _sees_own_reports(user, scope):
        q |= Q(reporter_id=user.pk)
    return qs.filter(q)


def queue_for(user) -> QuerySet[Case]:
    """A list ready for a page or the API: scoped, with what a row shows joined in (but not the grid's polygon)."""
    return cases_for(user).select_related(*LIST_RELATED).defer("grid__geometry", "grid__attributes")


def inbox_for_department(user) -> QuerySet[Case]:
    """The department handler's inbox: their department's cases waiting for them."""
    return (Case.objects.filter(department_id=user.department_id,
                                status__in=(Status.DISPATCHED, Status.IN_HANDLING))
            .select_related(*LIST_RELATED).order_by("stage_due_at", "id"))


def timeline(case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("actor").prefetch_related("attachments").order_by("at", "id"))


def earlier_cases_of_caller(phone: str, *, user, limit: int = 10) -> QuerySet[Case]:
    """A hotline operator's caller look-up: the caller's earlier cases, found by the keyed hash of the number."""
    digest = lookup_hash("".join(phone.split()).replace("-", ""))
    if not digest:
        return Case.objects.none()
    return queue_for(user).filter(contact_phone_hash=digest).order_by("-reported_at")[:limit]


def contact_phone(case: Case, *, reveal: bool = False) -> str:
    """The caller's number, masked unless revealed (the caller of a reveal writes the audit row)."""
    phone = decrypt(case.contact_phone_encrypted)
    return phone if reveal else mask_phone(phone)


# The timeline notes a resident is told: why a case was not taken on, what was done, the closing note.
PUBLIC_NOTE_ACTIONS = ("reject", "handle", "close")


def public_cases() -> QuerySet[Case]:
    """The cases anyone may read (Open311's public list): those about the city's fabric — GB/T 30428 components and
    events. Requests of the 12345 types (consultations, complaints, reports about people) and uncategorised cases
    stay private. Joined and prefetched for a constant number of queries; contact fields must never be shown."""
    notes = CaseEvent.objects.filter(action__in=PUBLIC_NOTE_ACTIONS).exclude(note="").order_by("at", "id")
    return (Case.objects.filter(category__kind__in=(CategoryKind.COMPONENT, CategoryKind.EVENT))
            .select_related("category", "department", "grid", "responsibility_item", "merged_into")
            .prefetch_related(Prefetch("events", queryset=notes, to_attr="public_notes")))


def public_case(ticket_no: str) -> Case | None:
    """What the public tracking page may look up: by ticket number only."""
    return (Case.objects.select_related("category", "department").filter(ticket_no=ticket_no.strip().upper())
            .first())


def get_case_for(actor, *, pk=None, ticket_no=None) -> Case:
    """One case the actor may see (404 otherwise)."""
    qs = Case.objects.select_related("responsibility_item", "department", "category", "grid", "component", "house")
    case = qs.filter(pk=pk).first() if pk is not None else qs.filter(ticket_no=ticket_no).first()
    if case is None or not can_see(case, actor):
        raise CaseNotFound(str(pk or ticket_no))
    return case

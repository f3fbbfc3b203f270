"""Reads of cases. Every list a user sees goes through `cases_for(user)`: region scope, department, own reports."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civicgrid.cases.errors import CaseNotFound
from civicgrid.cases.models import Case, CaseEvent, Status
from civicgrid.core.crypto import decrypt, lookup_hash, mask_phone
from civicgrid.people.models import Role
from civicgrid.people.scoping import scope_of, scope_q

LIST_RELATED = ("category", "category__parent", "department", "grid")


def can_see(case: Case, actor) -> bool:
    """The case lies in the actor's region scope, or (a handler) it is their department's, or they reported it."""
    scope = scope_of(actor)
    if scope.covers_path(case.region_path):
        return True
    if getattr(actor, "department_id", None) and case.department_id == actor.department_id:
        return True
    return bool(getattr(actor, "pk", None)) and case.reporter_id == actor.pk


def cases_for(user) -> QuerySet[Case]:
    """The cases `user` may see: those in their region scope, their department's, and the ones they reported."""
    qs = Case.objects.all()
    scope = scope_of(user)
    if scope.unrestricted:
        return qs
    q = scope_q(scope, Case.scope_path_field)
    if getattr(user, "department_id", None) and user.role == Role.DEPARTMENT_HANDLER:
        q |= Q(department_id=user.department_id)
    if getattr(user, "pk", None):
        q |= Q(reporter_id=user.pk)
    return qs.filter(q)


def queue_for(user) -> QuerySet[Case]:
    """A list ready for a page or the API: scoped, with what a row shows joined in."""
    return cases_for(user).select_related(*LIST_RELATED)


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


def public_case(ticket_no: str) -> Case | None:
    """What the public tracking page may look up: by ticket number only."""
    return (Case.objects.select_related("category", "department").filter(ticket_no=ticket_no.strip().upper())
            .first())


def get_case_for(actor, *, pk=None, ticket_no=None) -> Case:
    """One case the actor may see (404 otherwise)."""
    qs = Case.objects.select_related("responsibility_item", "department", "category", "grid")
    case = qs.filter(pk=pk).first() if pk is not None else qs.filter(ticket_no=ticket_no).first()
    if case is None or not can_see(case, actor):
        raise CaseNotFound(str(pk or ticket_no))
    return case

"""How the cases API answers the case services' errors (civicgrid.cases.errors) and bad request bodies.

    CaseInputError, a bad body   400  {"field": ..., "detail": ...}   (with "errors" listing all when several)
    NotPermitted                 403  {"detail": ...}
    CaseNotFound                 404  {"detail": ...}                 (outside the caller's scope looks the same)
    InvalidTransition, Conflict  409  {"detail": ..., "code": "invalid_transition" | "conflict", "status", "version"}
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from civicgrid.cases.errors import CaseInputError, CaseNotFound, Conflict, InvalidTransition, NotPermitted
from civicgrid.cases.models import Case


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        return _first_message(next(iter(detail.values()), ""))
    if isinstance(detail, list | tuple):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def _plain(detail):
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list | tuple):
        return [_plain(v) for v in detail]
    return str(detail)


def validation_body(detail) -> dict:
    """DRF's {field: [messages]} as our {"field", "detail"} (the first problem), with all of them in "errors"."""
    if isinstance(detail, dict) and detail:
        field = next(iter(detail))
        body = {"field": str(field), "detail": _first_message(detail[field])}
        if len(detail) > 1:
            body["errors"] = _plain(detail)
        return body
    return {"field": "non_field_errors", "detail": _first_message(detail)}


def _conflict_body(exc, code: str, view) -> dict:
    body = {"detail": str(exc), "code": code}
    case = getattr(view, "acted_on", None)
    if case is not None:
        now = Case.objects.filter(pk=case.pk).values("status", "version").first()
        if now:
            body.update(now)
    return body


def case_exception_handler(exc, context):
    view = context.get("view")
    if isinstance(exc, CaseInputError):
        return Response({"field": exc.field, "detail": exc.message}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValidationError):
        return Response(validation_body(exc.detail), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NotPermitted):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, CaseNotFound):
        return Response({"detail": _("No case %(ticket)s within your scope.") % {"ticket": exc}},
                        status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, InvalidTransition):
        return Response(_conflict_body(exc, "invalid_transition", view), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Conflict):
        return Response(_conflict_body(exc, "conflict", view), status=status.HTTP_409_CONFLICT)
    return exception_handler(exc, context)

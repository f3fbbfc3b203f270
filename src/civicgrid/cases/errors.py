"""What the case services raise. The pages and the API turn each into its answer (400, 403, 404, 409)."""

from __future__ import annotations


class CaseError(Exception):
    """Base class."""


class CaseInputError(CaseError, ValueError):
    """Bad input: names the field (or rule) and what is wrong. HTTP 400."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotPermitted(CaseError):
    """This role may not take this action. HTTP 403."""


class InvalidTransition(CaseError):
    """The action is not allowed from the case's current state. HTTP 409 with the rule in the message."""


class Conflict(CaseError):
    """Someone else changed the case first. HTTP 409."""


class CaseNotFound(CaseError, LookupError):
    """No such case in the actor's scope. HTTP 404."""

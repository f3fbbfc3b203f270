"""The time the case services act at: now, unless a block of code says otherwise.

Importing a historic case with its whole timeline (a 12345 platform's past tickets, or the demo's months of
history) replays every step through the same services at the moment it really happened: `acting_at(when)`.
Only code that records history uses this; request handling always runs at the real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_acting_at: ContextVar[datetime | None] = ContextVar("civicgrid_cases_acting_at", default=None)


def now() -> datetime:
    return _acting_at.get() or timezone.now()


@contextmanager
def acting_at(when: datetime) -> Iterator[None]:
    if timezone.is_naive(when):
        raise ValueError("acting_at needs an aware datetime")
    token = _acting_at.set(when)
    try:
        yield
    finally:
        _acting_at.reset(token)

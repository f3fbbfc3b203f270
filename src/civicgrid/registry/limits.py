"""A ceiling on reveals per user, shared by the pages and the API: a reason and an audit row stop the casual
look, a rate limit slows the harvesting of a whole community's phone numbers one reveal at a time.

At most REGISTRY_REVEAL_LIMIT reveals (default 60) per REGISTRY_REVEAL_WINDOW seconds (default 3600) per user, counted
in Django's cache (per process with the embedded local-memory cache; shared by every worker with REDIS_URL).
"""

from __future__ import annotations

from django.conf import settings

from civicgrid.core.ratelimit import count_hit


def _limits() -> tuple[int, int]:
    return (int(getattr(settings, "REGISTRY_REVEAL_LIMIT", 60)),
            int(getattr(settings, "REGISTRY_REVEAL_WINDOW", 3600)))


def reveal_allowed(user) -> bool:
    """Counts one reveal for the user; False once the limit is reached within the window."""
    limit, window = _limits()
    return count_hit(f"registry:reveals:{user.pk}", window) <= limit

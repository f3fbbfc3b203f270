"""A small fixed-window rate limit for Open311 POSTs, kept in Django's cache.

Each client address, and each API key, may POST at most settings.OPEN311_POSTS_PER_MINUTE service requests per
clock minute (default 30); the next one is answered 429 with a Retry-After header. The address is counted before the
key is checked, so guessing keys is limited too. With the default per-process memory cache each web worker counts
for itself; production sets REDIS_URL, so all workers share one count.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

DEFAULT_PER_MINUTE = 30


def per_minute() -> int:
    return int(getattr(settings, "OPEN311_POSTS_PER_MINUTE", DEFAULT_PER_MINUTE))


def hit(kind: str, who: str) -> int | None:
    """Count one POST by `who`; None if within the limit, else the seconds until the window ends."""
    limit = per_minute()
    if limit <= 0:
        return None  # 0 switches the limit off
    now = time.time()
    window = int(now // 60)
    key = f"civicgrid:open311:post:{kind}:{who}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > limit:
        return max(1, int(60 - now % 60))
    return None

"""Counting hits in Django's cache for rate limits (per process with the embedded local-memory cache; shared by every
worker with REDIS_URL)."""

from __future__ import annotations

from django.core.cache import cache


def count_hit(key: str, window: int) -> int:
    """Counts one hit under `key` in a window of `window` seconds that starts with its first hit; returns the count."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1

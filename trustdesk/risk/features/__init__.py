"""Velocity features: counts, sums and distinct counts per entity over sliding windows.

Each window is split into BUCKETS_PER_WINDOW time buckets; a feature's value is the total of the
current bucket and the ones before it that still overlap the window, so updating or reading a feature
touches a fixed number of counters however long the history is. Two backends implement the same
interface: the database (embedded default) and Redis (when REDIS_URL is set).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from trustdesk.risk.features.base import FEATURES, FeatureBackend, FeatureSpec, Touch, touches

__all__ = ["FEATURES", "FeatureBackend", "FeatureSpec", "Touch", "backend", "touches"]


@lru_cache(maxsize=1)
def _backend_for(redis_url: str) -> FeatureBackend:
    if redis_url:
        from trustdesk.risk.features.redis import RedisBackend

        return RedisBackend(redis_url, prefix=f"{settings.CACHE_KEY_PREFIX}:risk:")
    from trustdesk.risk.features.db import DatabaseBackend

    return DatabaseBackend()


def backend() -> FeatureBackend:
    return _backend_for(settings.REDIS_URL or "")

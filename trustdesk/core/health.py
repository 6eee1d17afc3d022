"""`GET /healthz`: whether this process can serve requests — its database answers, and Redis does when
one is configured. For load balancers and orchestrators, which take a server out of rotation on 503.

The answer holds nothing but these words (no versions, hosts or errors) and needs no login. A check
that fails waits no longer than the store's own timeout (TRUSTDESK_REDIS_TIMEOUT_MS for Redis).
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger("trustdesk.health")
FINE = ("ok", "not configured")


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        log.warning("health: the database did not answer: %s", type(exc).__name__)
        return "unavailable"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    from trustdesk.risk.features import backend
    from trustdesk.risk.features.redis import RedisBackend

    features = backend()
    try:
        if isinstance(features, RedisBackend):
            features.client.ping()
    except redis.RedisError as exc:
        log.warning("health: Redis did not answer: %s", type(exc).__name__)
        return "unavailable"
    return "ok"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "redis": _redis()}
    healthy = all(state in FINE for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )

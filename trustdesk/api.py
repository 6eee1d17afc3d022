"""The versioned REST API, `/api/v1/`: one NinjaAPI, a router per domain, uniform errors.

Every error body is `{"code": ..., "message": ...}` (plus `errors` for field-level problems), so a
client can branch on `code` and show `message` to a person.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from trustdesk.core.errors import DomainError

log = logging.getLogger("trustdesk.api")

api = NinjaAPI(
    title="trustdesk API",
    version="1",
    urls_namespace="api-v1",
    description="Trust and after-sales platform for online marketplaces. "
    "Authenticate with `Authorization: Bearer <token>`; each endpoint names its scope.",
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "payload"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        for e in exc.errors
    ]
    code = "malformed_json" if any(e.get("type") == "json_invalid" for e in errors) else ("validation_failed")
    message = "; ".join(_describe(e) for e in exc.errors[:5]) or "the request body is not valid"
    return _error(request, 422 if code == "validation_failed" else 400, code, message, errors=errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "unauthenticated",
        "send a valid, unrevoked API token as `Authorization: Bearer <token>`",
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    extra = {"details": exc.details} if exc.details is not None else {}
    return _error(request, exc.status, exc.code, exc.message, **extra)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "malformed_json" if exc.status_code == 400 else f"http_{exc.status_code}"
    return _error(request, exc.status_code, code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(exc) or "no such object")


# A store the request needs did not answer: 503 with Retry-After, as JSON like every other error, so
# the client's retry logic can tell it from a bug (500). Risk events are safe to resend as they are:
# an event Redis counted before the failure is marked seen there and not counted again, and one the
# database did not commit is decided again. The logs name the error's kind and the path only: a
# driver's message can quote the statement's values.
RETRY_AFTER_SECONDS = 1


def _unavailable(request: HttpRequest, code: str, message: str, exc: Exception) -> HttpResponse:
    log.warning("%s on %s %s: %s", code, request.method, request.path, type(exc).__name__)
    response = _error(request, 503, code, message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(redis.RedisError)
def on_redis_unavailable(request: HttpRequest, exc: redis.RedisError) -> HttpResponse:
    return _unavailable(
        request,
        "counters_unavailable",
        "the risk engine's counters (Redis) did not answer; nothing of this request was stored: "
        "send it again (the same event ids count once)",
        exc,
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _unavailable(
        request,
        "database_unavailable",
        "the database is unavailable or too busy to answer in time: send the request again",
        exc,
    )


def _register_routers() -> None:
    from trustdesk.aftersales.api import router as aftersales_router
    from trustdesk.aftersales.policy_api import router as policy_router
    from trustdesk.compliance.api import router as compliance_router
    from trustdesk.listings.api import router as listings_router
    from trustdesk.merchants.api import router as merchants_router
    from trustdesk.merchants.governance_api import router as governance_router
    from trustdesk.merchants.identity_api import router as identity_router
    from trustdesk.notifications.api import router as webhooks_router
    from trustdesk.orders.api import router as orders_router
    from trustdesk.quality.api import router as quality_router
    from trustdesk.risk.api import router as risk_router

    # First: Django tries the API's URL patterns one by one, and risk events are the hottest path
    # (trying the seventy patterns ahead of it cost a tenth of a single event's time).
    api.add_router("/", risk_router)
    # Before the listings router, whose /listings/{external_id} would otherwise swallow /listings/check.
    api.add_router("/", compliance_router)
    api.add_router("/", governance_router)
    api.add_router("/", identity_router)
    api.add_router("/", merchants_router)
    api.add_router("/", listings_router)
    api.add_router("/", orders_router)
    api.add_router("/", aftersales_router)
    api.add_router("/", policy_router)
    api.add_router("/", quality_router)
    api.add_router("/", webhooks_router)


_register_routers()

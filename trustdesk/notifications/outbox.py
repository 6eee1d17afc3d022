"""The transactional outbox: record an event for every subscribed webhook endpoint.

Call `enqueue` inside the transaction of the change it reports. If that transaction rolls back, the
message never existed; if it commits, the message will be delivered (at least once) by a worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction

from trustdesk.notifications.models import OutboxMessage, WebhookEndpoint


def _subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return any(fnmatchcase(event_type, pattern) for pattern in endpoint.event_types)


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    # Decimals, datetimes and UUIDs become strings exactly as the API would write them.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def enqueue(event_type: str, payload: dict[str, Any], *, idempotency_key: str | None = None) -> int:
    """Returns how many endpoint messages were written (0 when nobody subscribes)."""
    body = _jsonable(payload)
    written = 0
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        if not _subscribed(endpoint, event_type):
            continue
        try:
            with transaction.atomic():
                OutboxMessage.objects.create(
                    endpoint=endpoint,
                    event_type=event_type,
                    payload=body,
                    idempotency_key=idempotency_key or "",
                )
            written += 1
        except IntegrityError:
            if not idempotency_key:
                raise
            # Already queued under this key: a retried request must not notify twice.
    return written


def enqueue_many(messages: Iterable[tuple[str, dict[str, Any], str]]) -> int:
    """`enqueue` for many (event type, payload, idempotency key) at once: one read, one insert.

    For bulk moves such as a deadline sweep. A key already queued for an endpoint is skipped silently,
    as in `enqueue`; every key here must be non-empty so that a retried sweep cannot notify twice.
    """
    endpoints = list(WebhookEndpoint.objects.filter(active=True))
    rows = []
    for event_type, payload, key in messages:
        if not key:
            raise ValueError("enqueue_many needs an idempotency key for every message")
        body = None
        for endpoint in endpoints:
            if _subscribed(endpoint, event_type):
                body = body if body is not None else _jsonable(payload)
                rows.append(
                    OutboxMessage(endpoint=endpoint, event_type=event_type, payload=body, idempotency_key=key)
                )
    if rows:
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)

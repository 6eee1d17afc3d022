"""Delivering outbox messages to webhook endpoints, with retries and back-off.

Steps of `WebhookDelivery.run_once`:
1. In a short transaction, claim due pending messages (SKIP LOCKED on PostgreSQL) and push their
   `due_at` forward by a lease, counting the attempt. Commit: other workers now skip them.
2. POST each message, signed, outside any transaction (a slow receiver must not hold locks).
3. Record the outcome with a conditional update on the attempt number: delivered, retry later with
   back-off, or dead after the last attempt. A worker killed between 2 and 3 leaves the message pending;
   it is sent again after the lease, so delivery is at least once and receivers de-duplicate by the
   `Trustdesk-Delivery` id.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.db import transaction

from trustdesk.core.claims import claim_due
from trustdesk.notifications.models import OutboxMessage, OutboxStatus
from trustdesk.notifications.signing import HEADER, sign

log = logging.getLogger("trustdesk.webhooks")

LEASE = timedelta(seconds=60)
BACKOFF = [
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10


def body_of(message: OutboxMessage) -> bytes:
    envelope = {
        "id": str(message.id),
        "type": message.event_type,
        "created_at": message.created_at.isoformat(),
        "data": message.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def post(message: OutboxMessage) -> tuple[int | None, str]:
    body = body_of(message)
    request = urllib.request.Request(  # noqa: S310 (endpoint URLs are http(s) by validation)
        message.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "trustdesk-webhooks/1",
            "Trustdesk-Event": message.event_type,
            "Trustdesk-Delivery": str(message.id),
            HEADER: sign(message.endpoint.secret.reveal(), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return None, type(exc).__name__


class WebhookDelivery:
    name = "webhooks"

    def run_once(self, now: datetime, batch_size: int) -> int:
        with transaction.atomic():
            claimed = claim_due(
                OutboxMessage.objects.select_related("endpoint")
                .filter(status=OutboxStatus.PENDING, due_at__lte=now)
                .order_by("due_at"),
                batch=batch_size,
            )
            for message in claimed:
                message.attempts += 1
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=message.attempts, due_at=now + LEASE
                )
        for message in claimed:
            self._deliver(message, now)
        return len(claimed)

    def _deliver(self, message: OutboxMessage, now: datetime) -> None:
        status_code, error = post(message)
        mine = OutboxMessage.objects.filter(pk=message.pk, attempts=message.attempts)
        if status_code is not None and 200 <= status_code < 300:
            mine.update(
                status=OutboxStatus.DELIVERED,
                delivered_at=now,
                last_status_code=status_code,
                last_error="",
            )
            return
        if message.attempts >= MAX_ATTEMPTS:
            mine.update(status=OutboxStatus.DEAD, last_status_code=status_code, last_error=error)
            log.warning("webhook %s gave up after %d attempts", message.pk, message.attempts)
            return
        retry_at = now + BACKOFF[message.attempts - 1]
        mine.update(due_at=retry_at, last_status_code=status_code, last_error=error)

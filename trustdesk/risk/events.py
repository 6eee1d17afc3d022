"""The events the marketplace sends: their types, the fields each needs, and validation of a batch.

A batch is validated whole before anything is decided, so a rejected event is never stored or counted
and the client can fix and resend the batch (event ids make the resend idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field
from pydantic import BaseModel, ConfigDict, ValidationError

from trustdesk.core import pii
from trustdesk.core.schemas import NAIVE_TIME

MAX_BATCH = 1000

REQUIRED: dict[str, tuple[str, ...]] = {
    "order.created": ("user", "order", "merchant", "amount"),
    "payment.attempted": ("user", "order", "amount", "payment_fingerprint"),
    "payment.failed": ("user", "order", "amount", "payment_fingerprint"),
    "login.succeeded": ("user",),
    "login.failed": ("user",),
    "account.changed": ("user", "change"),
    "message.sent": ("user", "text"),
    "refund.requested": ("user", "order", "amount"),
    "chargeback.received": ("user", "order", "amount"),
    "listing.price_changed": ("merchant", "listing", "amount", "previous_amount"),
}
EVENT_TYPES = tuple(REQUIRED)
ACCOUNT_CHANGES = ("password", "phone", "address", "email")


class EventIn(BaseModel):
    # A plain pydantic model, with the rules of the API's other inputs (trustdesk.core.schemas.StrictIn):
    # a Ninja Schema also accepts Django objects, through a wrapping validator that cost a quarter of
    # a batched event's time, and events only ever arrive as JSON.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=64, description="the marketplace's unique event id")
    type: str = Field(min_length=1, max_length=32, description=", ".join(EVENT_TYPES))
    occurred_at: datetime | None = None
    user: str = Field(default="", max_length=64)
    device: str = Field(default="", max_length=64)
    ip: str = Field(default="", max_length=64)
    payment_fingerprint: str = Field(default="", max_length=64)
    shipping_address: str = Field(default="", max_length=500)
    email: str = Field(default="", max_length=254)
    merchant: str = Field(default="", max_length=64)
    order: str = Field(default="", max_length=64)
    listing: str = Field(default="", max_length=64)
    amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    previous_amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(default="CNY", max_length=3)
    change: str = Field(default="", max_length=16, description=", ".join(ACCOUNT_CHANGES))
    text: str = Field(default="", max_length=5000, description="message text (never stored)")


@dataclass
class Event:
    """A validated, normalised event: the form the engine and the feature backends read."""

    id: str
    type: str
    occurred_at: datetime
    user: str = ""
    device: str = ""
    ip: str = ""
    payment_fingerprint: str = ""
    address: str = ""
    email: str = ""
    merchant: str = ""
    order: str = ""
    listing: str = ""
    amount: float = 0.0
    amount_exact: Decimal | None = None
    previous_amount: float = 0.0
    currency: str = "CNY"
    change: str = ""
    text: str = ""


@dataclass(frozen=True)
class EventError:
    index: int
    event_id: str
    code: str
    message: str


def _error_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts)


def validate_one(raw: Any, index: int = 0) -> Event | EventError:
    event_id = str(raw.get("id", ""))[:64] if isinstance(raw, dict) else ""
    if not isinstance(raw, dict):
        return EventError(index, "", "validation_failed", "an event must be a JSON object")
    try:
        data = EventIn.model_validate(raw)
    except ValidationError as exc:
        return EventError(index, event_id, "validation_failed", _error_message(exc))
    if data.occurred_at is not None and timezone.is_naive(data.occurred_at):
        return EventError(
            index,
            event_id,
            "naive_time",
            f"occurred_at: {NAIVE_TIME}",
        )
    if data.type not in REQUIRED:
        return EventError(
            index,
            event_id,
            "unknown_event_type",
            f"unknown type {data.type!r}; known: {', '.join(EVENT_TYPES)}",
        )
    missing = [name for name in REQUIRED[data.type] if getattr(data, name) in ("", None)]
    if missing:
        return EventError(
            index,
            event_id,
            "missing_fields",
            f"{data.type} needs {', '.join(missing)}; they are missing or empty",
        )
    if data.type == "account.changed" and data.change not in ACCOUNT_CHANGES:
        return EventError(
            index, event_id, "invalid_change", f"change must be one of {', '.join(ACCOUNT_CHANGES)}"
        )
    return Event(
        id=data.id,
        type=data.type,
        occurred_at=data.occurred_at or timezone.now(),
        user=data.user,
        device=data.device,
        ip=data.ip,
        payment_fingerprint=data.payment_fingerprint,
        address=pii.blind_index(data.shipping_address) if data.shipping_address else "",
        email=pii.blind_index(data.email.lower()) if data.email else "",
        merchant=data.merchant,
        order=data.order,
        listing=data.listing,
        amount=float(data.amount or 0),
        amount_exact=data.amount,
        previous_amount=float(data.previous_amount or 0),
        currency=data.currency,
        change=data.change,
        text=data.text,
    )


def validate_batch(raw: Any) -> tuple[list[Event], list[EventError]]:
    """A single event object or `{"events": [...]}`; returns the events, or the errors if any."""
    items = raw["events"] if isinstance(raw, dict) and set(raw) == {"events"} else [raw]
    if not isinstance(items, list):
        return [], [EventError(0, "", "validation_failed", "events must be a list")]
    results = [validate_one(item, i) for i, item in enumerate(items)]
    errors = [r for r in results if isinstance(r, EventError)]
    seen: dict[str, int] = {}
    for i, result in enumerate(results):
        if isinstance(result, Event):
            if result.id in seen:
                errors.append(
                    EventError(i, result.id, "duplicate_in_batch", f"event id {result.id!r} appears twice")
                )
            seen[result.id] = i
    return [r for r in results if isinstance(r, Event)], errors

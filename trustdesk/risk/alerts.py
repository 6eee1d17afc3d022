"""Alert detectors, run on each event with the features it just computed (no extra scans).

Each alert carries its evidence, and at most one alert per kind and subject is raised per day.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from trustdesk.risk.events import Event
from trustdesk.risk.models import Alert, AlertKind, RiskEvent

SURGE_MIN_ORDERS = 20
SURGE_FACTOR = 5.0
CARD_TESTING_FAILURES = 5
REFUND_ABUSE_REFUNDS = 3
PRICE_DROP = 0.5
PRICE_RISE = 3.0


def _raise(kind: str, subject: str, evidence: dict[str, Any], at: Any) -> None:
    day = timezone.localdate(at).isoformat()
    try:
        with transaction.atomic():
            Alert.objects.create(
                kind=kind, subject=subject[:80], evidence=evidence, dedupe_key=f"{kind}:{subject}:{day}"[:160]
            )
    except IntegrityError:
        pass  # Already raised today for this subject.


def detect(event: Event, f: dict[str, float]) -> None:
    """Raise the alerts the event's features (just computed, with it counted) call for."""
    if event.type == "order.created":
        recent, day = f.get("merchant_orders_10m", 0), f.get("merchant_orders_24h", 0)
        # The 24-hour count includes the last ten minutes; compare with the rest of the day's pace.
        baseline = max(day - recent, 0) / 143
        if recent >= SURGE_MIN_ORDERS and recent >= SURGE_FACTOR * max(baseline, 1.0):
            _raise(
                AlertKind.MERCHANT_SURGE,
                event.merchant,
                {"orders_10m": recent, "orders_24h": day, "usual_per_10m": round(baseline, 2)},
                event.occurred_at,
            )
    if event.type == "payment.failed" and f.get("card_failures_10m", 0) >= CARD_TESTING_FAILURES:
        _raise(
            AlertKind.CARD_TESTING,
            event.payment_fingerprint,
            {
                "failures_10m": f["card_failures_10m"],
                "users_7d": f.get("card_users_7d", 0),
                "last_order": event.order,
            },
            event.occurred_at,
        )
    if event.type == "account.changed" and f.get("user_account_changes_24h", 0) >= 2:
        _account_takeover(event)
    if event.type == "refund.requested" and f.get("user_refunds_7d", 0) >= REFUND_ABUSE_REFUNDS:
        _raise(
            AlertKind.REFUND_ABUSE,
            event.user,
            {"refunds_7d": f["user_refunds_7d"], "last_order": event.order},
            event.occurred_at,
        )
    if event.type == "listing.price_changed" and event.previous_amount > 0:
        ratio = event.amount / event.previous_amount
        if ratio <= PRICE_DROP or ratio >= PRICE_RISE:
            _raise(
                AlertKind.PRICE_CHANGE,
                event.listing,
                {
                    "merchant": event.merchant,
                    "previous": event.previous_amount,
                    "new": event.amount,
                    "ratio": round(ratio, 3),
                },
                event.occurred_at,
            )


def _account_takeover(event: Event) -> None:
    """New device + credential change + address change within a day."""
    since = event.occurred_at - timedelta(days=1)
    changes = list(
        RiskEvent.objects.filter(user=event.user, type="account.changed", occurred_at__gte=since).values(
            "attrs", "device", "occurred_at"
        )
    )
    kinds = {c["attrs"].get("change") for c in changes}
    # New device: first seen for this user within the same day as the changes.
    first_seen = (
        RiskEvent.objects.filter(user=event.user, device=event.device).order_by("occurred_at").first()
        if event.device
        else None
    )
    new_device = (
        first_seen is not None
        and first_seen.occurred_at >= since
        and RiskEvent.objects.filter(user=event.user, occurred_at__lt=first_seen.occurred_at)
        .exclude(device=event.device)
        .exists()
    )
    if kinds & {"password", "email", "phone"} and "address" in kinds and new_device:
        _raise(
            AlertKind.ACCOUNT_TAKEOVER,
            event.user,
            {
                "changes": sorted(k for k in kinds if k),
                "device": event.device,
                "device_first_seen": first_seen.occurred_at.isoformat() if first_seen else "",
                "since": since.isoformat(),
            },
            event.occurred_at,
        )

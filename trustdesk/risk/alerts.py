"""Alert detectors, run on each event with the features it just computed (no extra scans).

Each alert carries its evidence, and at most one alert per kind and subject is raised per day: the
first one, with the evidence of the event that raised it. Detectors return the alerts they would
raise; a batch's are stored together by `store`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from trustdesk.risk.events import Event
from trustdesk.risk.history import stored_months, within
from trustdesk.risk.models import Alert, AlertKind, RiskEvent

SURGE_MIN_ORDERS = 20
SURGE_FACTOR = 5.0
CARD_TESTING_FAILURES = 5
REFUND_ABUSE_REFUNDS = 3
PRICE_DROP = 0.5
PRICE_RISE = 3.0
# Types whose detection reads the stored events, the event itself among them: detected only once it
# is stored. For every other type `detect` reads nothing but the event and its features.
READS_STORED_EVENTS = frozenset({"account.changed"})


def _alert(kind: str, subject: str, evidence: dict[str, Any], at: Any) -> Alert:
    day = timezone.localdate(at).isoformat()
    return Alert(
        kind=kind, subject=subject[:80], evidence=evidence, dedupe_key=f"{kind}:{subject}:{day}"[:160]
    )


def store(found: list[Alert]) -> None:
    """Store the first of each day's alerts per kind and subject; one already stored stays as it is.
    One statement for a batch's alerts: a surge or card test goes on firing for every event after the
    one that raised it, and a failed insert in a savepoint per event cost more than deciding it."""
    first: dict[str, Alert] = {}
    for alert in found:
        first.setdefault(alert.dedupe_key, alert)
    if first:
        Alert.objects.bulk_create(list(first.values()), ignore_conflicts=True)


def detect(event: Event, f: dict[str, float]) -> list[Alert]:
    """The alerts the event's features (just computed, with it counted) call for."""
    found: list[Alert] = []
    if event.type == "order.created":
        recent, day = f.get("merchant_orders_10m", 0), f.get("merchant_orders_24h", 0)
        # The 24-hour count includes the last ten minutes; compare with the rest of the day's pace.
        baseline = max(day - recent, 0) / 143
        if recent >= SURGE_MIN_ORDERS and recent >= SURGE_FACTOR * max(baseline, 1.0):
            found.append(
                _alert(
                    AlertKind.MERCHANT_SURGE,
                    event.merchant,
                    {"orders_10m": recent, "orders_24h": day, "usual_per_10m": round(baseline, 2)},
                    event.occurred_at,
                )
            )
    if event.type == "payment.failed" and f.get("card_failures_10m", 0) >= CARD_TESTING_FAILURES:
        found.append(
            _alert(
                AlertKind.CARD_TESTING,
                event.payment_fingerprint,
                {
                    "failures_10m": f["card_failures_10m"],
                    "users_7d": f.get("card_users_7d", 0),
                    "last_order": event.order,
                },
                event.occurred_at,
            )
        )
    if event.type == "account.changed" and f.get("user_account_changes_24h", 0) >= 2:
        takeover = _account_takeover(event)
        if takeover is not None:
            found.append(takeover)
    if event.type == "refund.requested" and f.get("user_refunds_7d", 0) >= REFUND_ABUSE_REFUNDS:
        found.append(
            _alert(
                AlertKind.REFUND_ABUSE,
                event.user,
                {"refunds_7d": f["user_refunds_7d"], "last_order": event.order},
                event.occurred_at,
            )
        )
    if event.type == "listing.price_changed" and event.previous_amount > 0:
        ratio = event.amount / event.previous_amount
        if ratio <= PRICE_DROP or ratio >= PRICE_RISE:
            found.append(
                _alert(
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
            )
    return found


def _account_takeover(event: Event) -> Alert | None:
    """New device + credential change + address change within a day."""
    since = event.occurred_at - timedelta(days=1)
    # The user's events are read by the (month, user, …) index, so each read names its months.
    months = stored_months()
    changes = list(
        RiskEvent.objects.filter(
            month__in=within(months, since=since),
            user=event.user,
            type="account.changed",
            occurred_at__gte=since,
        ).values("attrs", "device", "occurred_at")
    )
    kinds = {c["attrs"].get("change") for c in changes}
    # New device: first seen for this user within the same day as the changes.
    # Only the time: the whole row (25 columns, five of them JSON) cost more than the query.
    first_seen = (
        RiskEvent.objects.filter(month__in=months, user=event.user, device=event.device)
        .order_by("occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
        if event.device
        else None
    )
    new_device = (
        first_seen is not None
        and first_seen >= since
        and RiskEvent.objects.filter(
            month__in=within(months, until=first_seen), user=event.user, occurred_at__lt=first_seen
        )
        .exclude(device=event.device)
        .exists()
    )
    if not (kinds & {"password", "email", "phone"} and "address" in kinds and new_device):
        return None
    return _alert(
        AlertKind.ACCOUNT_TAKEOVER,
        event.user,
        {
            "changes": sorted(k for k in kinds if k),
            "device": event.device,
            "device_first_seen": first_seen.isoformat() if first_seen else "",
            "since": since.isoformat(),
        },
        event.occurred_at,
    )

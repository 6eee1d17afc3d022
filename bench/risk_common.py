"""What the risk benchmarks share: the 30 active rules, a realistic mix of events, percentiles.

Import after django.setup().
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

RULE_TEMPLATES = [
    "event.amount > {a}.0 && features.user_orders_1h >= {n}",
    "features.card_failures_10m >= {n} && event.type == 'payment.failed'",
    "features.device_users_24h > {n} || lists.device_blocked",
    "event.type == 'order.created' && features.address_users_7d >= {n} && event.amount >= {a}.0",
    "features.user_refunds_7d >= {n} && shopper.credit_tier != 'excellent'",
    "model.score > 0.{n}5 && event.amount > {a}.0",
    "event.ip.startsWith('10.{n}.') && features.ip_users_1h > {n}",
    "features.user_amount_24h > {a}0.0 && features.user_orders_24h > {n}",
    "event.user in ['u-{n}', 'u-{a}', 'mule-{n}'] || event.device == 'bad-{n}'",
    "features.user_device_events_7d == 1 && features.user_account_changes_24h >= {n}",
]

# Shares of event types in a marketplace's stream: mostly logins, orders and payments.
MIX = {
    "login.succeeded": 30,
    "order.created": 25,
    "payment.attempted": 25,
    "login.failed": 5,
    "message.sent": 4,
    "payment.failed": 4,
    "account.changed": 3,
    "refund.requested": 3,
    "chargeback.received": 1,
}
_MESSAGES = ["什么时候发货？", "Is this still available?", "加微信 abc123 私下转账", "收到了，谢谢"]


def rule_sources() -> list[str]:
    return [RULE_TEMPLATES[i % len(RULE_TEMPLATES)].format(n=i % 7 + 3, a=300 + 37 * i) for i in range(30)]


def add_rules() -> int:
    """Thirty active rules, saved and activated as an analyst would (once per database)."""
    from trustdesk.core.actors import Actor
    from trustdesk.risk import ruleset
    from trustdesk.risk.models import Rule

    actor = Actor.system("bench")
    if Rule.objects.exists():
        return Rule.objects.count()
    for i, source in enumerate(rule_sources()):
        action = ("review", "block", "allow")[i % 3]
        version = ruleset.do_save_version(
            actor=actor, name=f"r{i}", condition=source, action=action, reason=f"rule {i}"
        )
        ruleset.do_set_mode(version, "active", actor=actor)
    return 30


def event_body(i: int, rng: random.Random, prefix: str, at: datetime | None = None) -> dict[str, Any]:
    """One event as the marketplace sends it, drawn from MIX, over 20,000 users and their devices."""
    kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    user = rng.randint(0, 20_000)
    # Each user has their own device, card and address; one in fifty events comes from a shared
    # device (a family's tablet, an internet café), as in real traffic.
    device = f"d{user}" if rng.random() >= 0.02 else f"shared{rng.randint(0, 200)}"
    body: dict[str, Any] = {
        "id": f"{prefix}-{i}",
        "type": kind,
        "occurred_at": (at or timezone.now() - timedelta(seconds=rng.randint(0, 3600))).isoformat(),
        "user": f"u{user}",
        "device": device,
        "ip": f"10.{user % 10}.{(user // 10) % 256}.{rng.randint(0, 255)}",
    }
    if kind in (
        "order.created",
        "payment.attempted",
        "payment.failed",
        "refund.requested",
        "chargeback.received",
    ):
        body["order"] = f"o{rng.randint(0, 200_000)}"
        body["amount"] = f"{rng.random() * 1000:.2f}"
    if kind == "order.created":
        body["merchant"] = f"m{rng.randint(0, 300)}"
        body["shipping_address"] = f"address {user}"
    if kind.startswith("payment."):
        body["payment_fingerprint"] = f"c{user}"
    if kind == "account.changed":
        body["change"] = rng.choice(["password", "phone", "address"])
    if kind == "message.sent":
        body["text"] = rng.choice(_MESSAGES)
    return body


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, max(0, int(len(sorted_values) * share) - 1))]


RISK_TABLES = (
    "risk_caseevent",
    "risk_reviewcase",
    "risk_alert",
    "risk_shoppercredit",
    "risk_rulehitdaily",
    "risk_riskevent",
    "risk_featurecounter",
    "risk_featuredistinct",
)


def reset_risk_tables() -> None:
    """Empty the events and everything that refers to them, so that runs on a scratch database
    compare (a million rows go in seconds, where the ORM's delete would collect them first)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(RISK_TABLES)} CASCADE")
        else:
            for table in RISK_TABLES:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def analyse() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a live database; then the
    load's log copied into the tables (a checkpoint), so that the measured phase that follows does not
    pay for writing out the bulk load. A million events leave gigabytes of PostgreSQL WAL behind, and
    the checkpoint they call for otherwise ran during the measurement at the large size only. Each
    measured phase still pays for its own writes, and for the full pages PostgreSQL logs the first time
    each page changes after a checkpoint — more of them the larger the indexes."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {', '.join(RISK_TABLES)}")
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError as exc:  # CHECKPOINT needs a superuser or the pg_checkpoint role.
                print(f"no checkpoint after the bulk load ({exc}); the measurement may include it")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

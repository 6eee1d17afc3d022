"""Shopper credit (SPEC C11) from behaviour: refund requests, chargebacks and confirmed fraud.

The score starts at 700 and loses points for each signal, scaled by how many orders the shopper has
(a refund among a hundred orders weighs less than a refund among three). Tiers: excellent ≥ 750,
good ≥ 600, fair ≥ 450, poor below. Rules read it as `shopper.credit_score` / `shopper.credit_tier`;
after-sales asks `shopper_can_request_refund_only` before offering refund-only.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from trustdesk.risk.models import ShopperCredit

BASE = 700
TIERS = ((750, "excellent"), (600, "good"), (450, "fair"), (-10_000, "poor"))
REFUND_ONLY_TIERS = {"excellent", "good"}


def compute(*, orders: int, refunds: int, chargebacks: int, confirmed_fraud: int) -> tuple[int, str]:
    excess_refunds = max(0, refunds - max(1, orders // 5))
    score = BASE + min(orders, 50) - 40 * excess_refunds - 120 * chargebacks - 300 * confirmed_fraud
    score = max(0, min(850, score))
    tier = next(name for floor, name in TIERS if score >= floor)
    return score, tier


def snapshot(users: set[str]) -> dict[str, dict[str, Any]]:
    """credit_score / credit_tier per user; users never seen have the base score."""
    found: dict[str, dict[str, Any]] = {}
    if users:
        marks = ", ".join(["%s"] * len(users))
        with connection.cursor() as cursor:
            # Plain SQL: this runs for every batch of events.
            cursor.execute(
                f'SELECT "user", score, tier FROM risk_shoppercredit WHERE "user" IN ({marks})',  # noqa: S608
                list(users),
            )
            found = {u: {"credit_score": s, "credit_tier": t} for u, s, t in cursor.fetchall()}
    default = {
        "credit_score": BASE,
        "credit_tier": compute(orders=0, refunds=0, chargebacks=0, confirmed_fraud=0)[1],
    }
    return {u: found.get(u, default) for u in users}


SIGNALS = ("refunds", "chargebacks", "confirmed_fraud")


def note(user: str, signal: str, amount: int = 1) -> tuple[int, str]:
    """Count one behaviour signal (refunds, chargebacks, confirmed_fraud) and rescore; returns the
    new (score, tier). Three statements, no read-modify-write race: the counters move in the upsert."""
    if not user:
        raise ValueError("credit needs a user")
    if signal not in SIGNALS:
        raise ValueError(f"unknown credit signal {signal!r}")
    now = timezone.now()
    with connection.cursor() as cursor:
        # Orders are tallied only when a signal arrives (over the user's own events, by index),
        # keeping order events off this write path.
        # Only the user is a condition, so the planner takes the (user, occurred_at) index: with
        # `type = …` as well, SQLite chose the type index and counted every order of every user.
        cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN type = %s THEN 1 ELSE 0 END), 0) FROM risk_riskevent "
            'WHERE "user" = %s',
            ["order.created", user],
        )
        orders = cursor.fetchone()[0]
        initial = {name: amount if name == signal else 0 for name in SIGNALS}
        cursor.execute(
            'INSERT INTO risk_shoppercredit ("user", refunds, chargebacks, confirmed_fraud, orders, score, '  # noqa: S608
            "tier, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            f'ON CONFLICT ("user") DO UPDATE SET {signal} = risk_shoppercredit.{signal} + %s, '
            "orders = excluded.orders, updated_at = excluded.updated_at "
            "RETURNING refunds, chargebacks, confirmed_fraud, orders",
            [user, *initial.values(), orders, BASE, "good", now, amount],
        )
        refunds, chargebacks, confirmed_fraud, orders = cursor.fetchone()
        score, tier = compute(
            orders=orders, refunds=refunds, chargebacks=chargebacks, confirmed_fraud=confirmed_fraud
        )
        cursor.execute(
            'UPDATE risk_shoppercredit SET score = %s, tier = %s WHERE "user" = %s', [score, tier, user]
        )
    return score, tier


def credit_of(user: str) -> ShopperCredit:
    return ShopperCredit.objects.filter(user=user).first() or ShopperCredit(user=user)


def shopper_can_request_refund_only(shopper: Any) -> tuple[bool, str]:
    """For after-sales: refund-only (no return) is a privilege of the good and excellent tiers.

    `shopper` is a trustdesk.accounts.models.Shopper or the marketplace's user id."""
    user = shopper if isinstance(shopper, str) else shopper.external_id
    credit = credit_of(user)
    if credit.tier in REFUND_ONLY_TIERS:
        return True, ""
    return False, (
        f"refund-only is not available at credit tier {credit.tier!r} (score {credit.score}); "
        "ask for a return and refund instead"
    )

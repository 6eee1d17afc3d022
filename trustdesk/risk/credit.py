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
    initial = {name: amount if name == signal else 0 for name in SIGNALS}
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO risk_shoppercredit ("user", refunds, chargebacks, confirmed_fraud, orders, score, '  # noqa: S608
            "tier, updated_at) VALUES (%s, %s, %s, %s, 0, %s, %s, %s) "
            f'ON CONFLICT ("user") DO UPDATE SET {signal} = risk_shoppercredit.{signal} + %s, '
            "updated_at = excluded.updated_at "
            "RETURNING refunds, chargebacks, confirmed_fraud",
            [user, *initial.values(), BASE, "good", now, amount],
        )
        refunds, chargebacks, confirmed_fraud = cursor.fetchone()
        orders = _orders_that_count(cursor, user, refunds)
        score, tier = compute(
            orders=orders, refunds=refunds, chargebacks=chargebacks, confirmed_fraud=confirmed_fraud
        )
        cursor.execute(
            'UPDATE risk_shoppercredit SET orders = %s, score = %s, tier = %s WHERE "user" = %s',
            [orders, score, tier, user],
        )
    return score, tier


def _orders_that_count(cursor: Any, user: str, refunds: int) -> int:
    """The shopper's orders, as far as the score can tell them apart.

    `compute` stops telling order counts apart at max(50, 5 × refunds) (the order bonus is capped
    at 50, refunds within one in five orders cost nothing), so it is enough to look at the shopper's
    latest events until that many orders could be among them: ten times as many events. Counting
    every order in the shopper's history made this statement, and each refund or chargeback event,
    slower the more history was stored. (A shopper whose latest events hold fewer than one order in
    ten is judged on the orders among them.) Orders are tallied here, when a signal arrives, rather
    than counted on every order event, which keeps order events off this write path.
    """
    enough = max(50, 5 * refunds)
    # Only the user is a condition, so the planner walks the (user, occurred_at, type) index from the
    # newest end, reading the type from the index itself; with `type = …` as well, SQLite chose the
    # type index and read every user's orders.
    cursor.execute(
        "SELECT COALESCE(SUM(CASE WHEN type = %s THEN 1 ELSE 0 END), 0) FROM ("
        'SELECT type FROM risk_riskevent WHERE "user" = %s ORDER BY occurred_at DESC LIMIT %s) latest',
        ["order.created", user, 10 * enough],
    )
    return min(int(cursor.fetchone()[0]), enough)


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

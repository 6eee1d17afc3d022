"""Shopper credit (SPEC C11) from behaviour: refund requests, chargebacks and confirmed fraud.

The score starts at 700 and loses points for each signal, scaled by how many orders the shopper has
(a refund among a hundred orders weighs less than a refund among three). Tiers: excellent ≥ 750,
good ≥ 600, fair ≥ 450, poor below. Rules read it as `shopper.credit_score` / `shopper.credit_tier`;
after-sales asks `shopper_can_request_refund_only` before offering refund-only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.db import connection
from django.utils import timezone

from trustdesk.risk.history import stored_months
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


def snapshot_of(users: Collection[str], rows: Iterable[tuple[str, int, str]]) -> dict[str, dict[str, Any]]:
    """credit_score / credit_tier per user from the (user, score, tier) rows of risk_shoppercredit read
    for them; users never seen have the base score."""
    found = {u: {"credit_score": s, "credit_tier": t} for u, s, t in rows}
    default = {
        "credit_score": BASE,
        "credit_tier": compute(orders=0, refunds=0, chargebacks=0, confirmed_fraud=0)[1],
    }
    return {u: found.get(u, default) for u in users}


SIGNALS = ("refunds", "chargebacks", "confirmed_fraud")


def note(user: str, signal: str, amount: int = 1) -> tuple[int, str]:
    """Count one behaviour signal (refunds, chargebacks, confirmed_fraud) and rescore; returns the
    new (score, tier)."""
    return note_many({user: {signal: amount}})[user]


def note_many(signals: Mapping[str, Mapping[str, int]]) -> dict[str, tuple[int, str]]:
    """`note` for many shoppers at once — a batch of events' refunds and chargebacks — in three
    statements whatever their number: one upsert of every shopper's counts, one tally of their
    orders, one update of their scores. No read-modify-write race: the counts move in the upsert.
    Returns each shopper's new (score, tier)."""
    for user, noted in signals.items():
        if not user:
            raise ValueError("credit needs a user")
        unknown = set(noted) - set(SIGNALS)
        if unknown:
            raise ValueError(f"unknown credit signal {sorted(unknown)[0]!r}")
    # In one order, so that two transactions noting the same shoppers lock their rows alike.
    users = sorted(signals)
    if not users:
        return {}
    now = timezone.now()
    rows = ", ".join(["(%s, %s, %s, %s, 0, %s, %s, %s)"] * len(users))
    params: list[Any] = []
    for user in users:
        params += [user, *(signals[user].get(name, 0) for name in SIGNALS), BASE, "good", now]
    added = ", ".join(f"{name} = risk_shoppercredit.{name} + excluded.{name}" for name in SIGNALS)
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO risk_shoppercredit ("user", refunds, chargebacks, confirmed_fraud, orders, score, '  # noqa: S608
            f"tier, updated_at) VALUES {rows} "
            f'ON CONFLICT ("user") DO UPDATE SET {added}, updated_at = excluded.updated_at '
            'RETURNING "user", refunds, chargebacks, confirmed_fraud',
            params,
        )
        totals: dict[str, tuple[int, int, int]] = {row[0]: row[1:] for row in cursor.fetchall()}
        orders = _orders_that_count(cursor, [(user, totals[user][0]) for user in users])
        scored: dict[str, tuple[int, str]] = {}
        for user in users:
            refunds, chargebacks, fraud = totals[user]
            scored[user] = compute(
                orders=orders[user], refunds=refunds, chargebacks=chargebacks, confirmed_fraud=fraud
            )
        rescored = [(orders[user], *scored[user], user) for user in users]
        rescore = 'UPDATE risk_shoppercredit SET orders = %s, score = %s, tier = %s WHERE "user" = %s'
        if len(rescored) == 1:
            # psycopg runs executemany in pipeline mode, whose set-up and sync cost more than one row.
            cursor.execute(rescore, rescored[0])
        else:
            cursor.executemany(rescore, rescored)
    return scored


# Shoppers per tally statement: SQLite allows at most 500 terms in a compound SELECT.
_TALLY_GROUP = 200


def _orders_that_count(cursor: Any, shoppers: list[tuple[str, int]]) -> dict[str, int]:
    """Each shopper's orders (given with their refunds), as far as the score can tell them apart.

    `compute` stops telling order counts apart at max(50, 5 × refunds) (the order bonus is capped
    at 50, refunds within one in five orders cost nothing), so it is enough to look at the shopper's
    latest events until that many orders could be among them: ten times as many events. Counting
    every order in the shopper's history made this statement, and each refund or chargeback event,
    slower the more history was stored. (A shopper whose latest events hold fewer than one order in
    ten is judged on the orders among them.) Orders are tallied here, when a signal arrives, rather
    than counted on every order event, which keeps order events off this write path.
    """
    # One statement per group of shoppers: a branch each, numbered by a literal so the answer needs
    # no typed parameter in its select list. Only the months and the user are conditions, so the
    # planner seeks the (month, user, occurred_at, type) index once per month, reading the type from
    # the index itself; with `type = …` as well, SQLite chose the type index and read every user's
    # orders. The months are integers this module computed, written into the statement.
    enough = {user: max(50, 5 * refunds) for user, refunds in shoppers}
    users = list(enough)
    months = ", ".join(str(m) for m in stored_months())
    if not months:
        return dict.fromkeys(users, 0)
    branch = (
        "SELECT {i}, (SELECT COALESCE(SUM(CASE WHEN type = %s THEN 1 ELSE 0 END), 0) FROM ("  # noqa: S608
        f'SELECT type FROM risk_riskevent WHERE month IN ({months}) AND "user" = %s '
        "ORDER BY occurred_at DESC LIMIT %s) latest)"
    )
    tallied: dict[str, int] = {}
    for first in range(0, len(users), _TALLY_GROUP):
        group = users[first : first + _TALLY_GROUP]
        params: list[Any] = []
        for user in group:
            params += ["order.created", user, 10 * enough[user]]
        cursor.execute(" UNION ALL ".join(branch.format(i=i) for i in range(len(group))), params)
        tallied.update((group[i], min(int(orders), enough[group[i]])) for i, orders in cursor.fetchall())
    return tallied


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

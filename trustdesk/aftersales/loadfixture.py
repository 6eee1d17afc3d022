"""Bulk after-sales fixtures for load tests and crash tests: many open cases, some of them overdue.

Rows are inserted directly in large batches (no state-machine calls), which is what a fixture is for:
building a million open cases through the API would measure the API, not the sweeper. `seed` goes through
the ORM (one order per case if asked); `seed_sql` lets the database generate the rows itself with
`INSERT … SELECT` over a recursive series, which builds a million cases in well under a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from trustdesk.accounts.models import Shopper
from trustdesk.aftersales.flow import default_policy
from trustdesk.aftersales.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Deadline,
    DeadlineKind,
    Party,
    Reason,
)
from trustdesk.listings.models import Category, Listing
from trustdesk.merchants.models import Merchant, Shop
from trustdesk.orders.models import Order, OrderItem, OrderStatus

CHUNK = 5000


@dataclass(frozen=True)
class Seeded:
    cases: int
    due: int
    first_case_id: int


def _base(tag: str, deposit: Decimal) -> tuple[Shopper, Shop, Listing]:
    merchant, _ = Merchant.objects.get_or_create(
        external_id=f"load-{tag}",
        defaults={"legal_name": f"Load {tag}", "uscc": "", "deposit_amount": deposit},
    )
    shop, _ = Shop.objects.get_or_create(
        external_id=f"load-{tag}", defaults={"merchant": merchant, "name": tag}
    )
    category, _ = Category.objects.get_or_create(
        code=f"load-{tag}", defaults={"name_en": "Load", "name_zh": "压测", "warranty_days": 365}
    )
    listing, _ = Listing.objects.get_or_create(
        external_id=f"load-{tag}",
        defaults={"shop": shop, "title": "Load item", "category": category, "price": Decimal("10.00")},
    )
    shopper, _ = Shopper.objects.get_or_create(external_id=f"load-{tag}", defaults={"display_name": "Load"})
    return shopper, shop, listing


def _orders(
    tag: str, count: int, shopper: Shopper, shop: Shop, listing: Listing, at: datetime
) -> list[OrderItem]:
    start = Order.objects.filter(external_id__startswith=f"load-{tag}-").count()
    orders = Order.objects.bulk_create(
        Order(
            external_id=f"load-{tag}-{start + i}",
            shopper=shopper,
            shop=shop,
            status=OrderStatus.DELIVERED,
            total_amount=Decimal("10.00"),
            placed_at=at,
            paid_at=at,
            shipped_at=at,
            delivered_at=at,
        )
        for i in range(count)
    )
    if orders and orders[0].pk is None:
        orders = list(Order.objects.filter(external_id__startswith=f"load-{tag}-").order_by("id")[start:])
    return OrderItem.objects.bulk_create(
        OrderItem(
            order=o,
            listing=listing,
            title="Load item",
            category_id=listing.category_id,
            quantity=1,
            unit_price=Decimal("10.00"),
            amount=Decimal("10.00"),
        )
        for o in orders
    )


def seed(
    *,
    open_cases: int,
    due: int,
    kind: str = CaseKind.RETURN_REFUND,
    status: str = CaseStatus.AWAITING_MERCHANT,
    deadline_kind: str = DeadlineKind.MERCHANT_RESPONSE,
    distinct_items: bool = False,
    tag: str = "bench",
    deposit: Decimal = Decimal("1000000.00"),
    now: datetime | None = None,
) -> Seeded:
    """`open_cases` cases in `status`, each with one running deadline; the first `due` are overdue."""
    now = now or timezone.now()
    policy = default_policy()
    shopper, shop, listing = _base(tag, deposit)
    party = Party.MERCHANT if deadline_kind != DeadlineKind.SHOPPER_SHIP else Party.SHOPPER
    first_id = None
    made = 0
    while made < open_cases:
        size = min(CHUNK, open_cases - made)
        with transaction.atomic():
            items = _orders(
                tag, size if distinct_items else 1, shopper, shop, listing, now - timedelta(days=2)
            )
            cases = Case.objects.bulk_create(
                Case(
                    kind=kind,
                    reason=Reason.QUALITY,
                    status=status,
                    order_id=items[i % len(items)].order_id,
                    order_item=items[i % len(items)],
                    shopper=shopper,
                    merchant_id=shop.merchant_id,
                    category_id=listing.category_id,
                    requested_amount=Decimal("10.00"),
                    policy=policy,
                    opened_at=now - timedelta(days=1),
                )
                for i in range(size)
            )
            if cases[0].pk is None:
                cases = list(Case.objects.order_by("-id")[:size])[::-1]
            first_id = first_id or cases[0].pk
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case=c,
                    from_state="",
                    to_state=status,
                    actor_kind="system",
                    actor_label="fixture",
                    at=now - timedelta(days=1),
                )
                for c in cases
            )
            Deadline.objects.bulk_create(
                Deadline(
                    case=c,
                    kind=deadline_kind,
                    party=party,
                    started_at=now - timedelta(days=1),
                    due_at=now - timedelta(seconds=made + i + 1)
                    if made + i < due
                    else now + timedelta(days=1, seconds=made + i),
                )
                for i, c in enumerate(cases)
            )
        made += size
    return Seeded(cases=open_cases, due=min(due, open_cases), first_case_id=first_id or 0)


def _insert_select(
    model: type[models.Model],
    template: models.Model,
    computed: dict[str, str],
    source: str,
    params: list,
    series: tuple[str, list] = ("", []),
) -> None:
    """INSERT one row of `model` per row `source` yields: the `computed` columns are SQL expressions,
    every other column takes `template`'s value. `params` fill the expressions, then `source`; a
    `series` (a WITH clause and its parameters) is written before the INSERT, as both databases allow."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.column not in computed]
    columns = ", ".join([*(str(f.column) for f in fields), *computed])
    select = ", ".join([*(["%s"] * len(fields)), *computed.values()])
    values = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    sql = f"{series[0]} INSERT INTO {model._meta.db_table} ({columns}) SELECT {select} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*series[1], *values, *params])


def seed_sql(*, open_cases: int, due: int, tag: str = "bench", now: datetime | None = None) -> Seeded:
    """`seed` for millions of cases: every case on one order item, waiting for the merchant's answer.

    The first `due` new cases have an overdue merchant-response deadline; the others are due tomorrow.
    """
    now = now or timezone.now()
    shopper, shop, listing = _base(tag, Decimal("1000000.00"))
    [item] = _orders(tag, 1, shopper, shop, listing, now - timedelta(days=2))
    opened = now - timedelta(days=1)
    case = Case(
        kind=CaseKind.RETURN_REFUND,
        reason=Reason.QUALITY,
        status=CaseStatus.AWAITING_MERCHANT,
        order_id=item.order_id,
        order_item=item,
        shopper=shopper,
        merchant_id=shop.merchant_id,
        category_id=listing.category_id,
        requested_amount=Decimal("10.00"),
        policy=default_policy(),
        opened_at=opened,
    )
    event = CaseEvent(
        to_state=CaseStatus.AWAITING_MERCHANT, actor_kind="system", actor_label="fixture", at=opened
    )
    deadline = Deadline(
        kind=DeadlineKind.MERCHANT_RESPONSE, party=Party.MERCHANT, started_at=opened, due_at=now
    )
    due_at = Deadline._meta.get_field("due_at")
    with transaction.atomic():
        before = Case.objects.aggregate(last=Max("id"))["last"] or 0
        series = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)"
        _insert_select(Case, case, {}, "FROM n", [], series=(series, [open_cases]))
        new_cases = f"FROM {Case._meta.db_table} WHERE id > %s"
        _insert_select(CaseEvent, event, {"case_id": "id"}, new_cases, [before])
        _insert_select(
            Deadline,
            deadline,
            {"case_id": "id", "due_at": "CASE WHEN id <= %s THEN %s ELSE %s END"},
            new_cases,
            [
                before + due,
                due_at.get_db_prep_save(now - timedelta(minutes=1), connection),
                due_at.get_db_prep_save(now + timedelta(days=1), connection),
                before,
            ],
        )
    return Seeded(cases=open_cases, due=min(due, open_cases), first_case_id=before + 1)

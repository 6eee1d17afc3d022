"""Bulk after-sales fixtures for load tests and crash tests: many open cases, some of them overdue.

Rows are inserted directly in large batches (no state-machine calls), which is what a fixture is for:
building a million open cases through the API would measure the API, not the sweeper.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
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

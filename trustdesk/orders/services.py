"""Actions on orders: placing, paying, shipping, delivering, completing and cancelling.

trustdesk mirrors the marketplace's orders; each status change is a state-machine transition with its
event row, so after-sales deadlines and risk features can rely on the recorded times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from trustdesk.accounts.models import Shopper
from trustdesk.core import pii
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, NotFound, ValidationFailed
from trustdesk.core.money import to_amount
from trustdesk.core.statemachine import StateMachine
from trustdesk.listings.models import Listing
from trustdesk.merchants.models import Shop
from trustdesk.orders.models import (
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Payment,
    PaymentStatus,
    Shipment,
)

O = OrderStatus  # noqa: E741
LIFECYCLE = StateMachine(
    field="status",
    transitions={
        O.PLACED: {O.PAID, O.CANCELLED},
        O.PAID: {O.SHIPPED, O.CANCELLED},
        O.SHIPPED: {O.DELIVERED},
        O.DELIVERED: {O.COMPLETED},
        O.COMPLETED: set(),
        O.CANCELLED: set(),
    },
    event_model=OrderEvent,
    subject_field="order",
)


@dataclass(frozen=True)
class ItemLine:
    listing_external_id: str
    quantity: int
    unit_price: Decimal | None = None
    non_returnable_confirmed: bool = False


def do_place_order(
    *,
    actor: Actor,
    external_id: str,
    shopper: Shopper,
    shop: Shop,
    items: list[ItemLine],
    recipient_name: str = "",
    recipient_phone: str = "",
    shipping_address: str = "",
    currency: str = "CNY",
    placed_at: datetime | None = None,
) -> Order:
    if not items:
        raise ValidationFailed("an order needs at least one item", code="no_items")
    if Order.objects.filter(external_id=external_id).exists():
        raise Conflict(f"order {external_id!r} already exists", code="duplicate")
    listings = {
        listing.external_id: listing
        for listing in Listing.objects.filter(
            external_id__in=[i.listing_external_id for i in items]
        ).select_related("category")
    }
    lines = []
    for item in items:
        listing = listings.get(item.listing_external_id)
        if listing is None:
            raise ValidationFailed(f"unknown listing {item.listing_external_id!r}", code="unknown_listing")
        if listing.shop_id != shop.pk:
            raise ValidationFailed(
                f"listing {listing.external_id!r} is not sold by shop {shop.external_id!r}",
                code="listing_not_in_shop",
            )
        if item.quantity < 1:
            raise ValidationFailed("quantity must be at least 1", code="invalid_quantity")
        unit_price = to_amount(item.unit_price if item.unit_price is not None else listing.price)
        if unit_price < 0:
            raise ValidationFailed("unit_price cannot be negative", code="invalid_price")
        lines.append((listing, item, unit_price))
    when = placed_at or timezone.now()
    with transaction.atomic():
        order = Order.objects.create(
            external_id=external_id,
            shopper=shopper,
            shop=shop,
            currency=currency,
            total_amount=sum((p * i.quantity for _, i, p in lines), Decimal("0")),
            recipient_name=recipient_name,
            recipient_phone=recipient_phone,
            shipping_address=shipping_address,
            address_index=pii.blind_index(shipping_address) if shipping_address else "",
            placed_at=when,
        )
        OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                listing=listing,
                title=listing.title,
                category=listing.category,
                quantity=item.quantity,
                unit_price=unit_price,
                amount=unit_price * item.quantity,
                non_returnable_confirmed=item.non_returnable_confirmed,
            )
            for listing, item, unit_price in lines
        )
        event = LIFECYCLE.record_initial(order, actor)
        OrderEvent.objects.filter(pk=event.pk).update(at=when)
    return order


def get_order(external_id: str) -> Order:
    order = Order.objects.select_related("shop__merchant", "shopper").filter(external_id=external_id).first()
    if order is None:
        raise NotFound(f"no order {external_id!r}")
    return order


def _move(order: Order, to: str, actor: Actor, at: datetime, stamp: str, **data: Any) -> None:
    event = LIFECYCLE.move(order, to, actor=actor, extra_updates={stamp: at}, data=data)
    OrderEvent.objects.filter(pk=event.pk).update(at=at)


def do_record_payment(
    order: Order,
    *,
    actor: Actor,
    external_id: str,
    amount: Decimal,
    method: str,
    succeeded: bool = True,
    payment_fingerprint: str = "",
    at: datetime | None = None,
) -> Payment:
    when = at or timezone.now()
    amount = to_amount(amount)
    if Payment.objects.filter(external_id=external_id).exists():
        raise Conflict(f"payment {external_id!r} already recorded", code="duplicate")
    if amount <= 0:
        raise ValidationFailed("a payment amount must be positive", code="invalid_amount")
    if succeeded and amount != order.total_amount:
        raise ValidationFailed(
            f"a successful payment must cover the order total {order.total_amount}",
            code="amount_mismatch",
        )
    if succeeded and order.status != O.PLACED:
        raise Conflict(
            f"order {order.external_id} is {order.status}, not awaiting payment",
            code="invalid_transition",
        )
    with transaction.atomic():
        payment = Payment.objects.create(
            order=order,
            external_id=external_id,
            amount=amount,
            currency=order.currency,
            method=method,
            payment_fingerprint=payment_fingerprint,
            status=PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.FAILED,
            at=when,
        )
        if succeeded:
            _move(order, O.PAID, actor, when, "paid_at", payment=external_id)
    return payment


def do_ship(
    order: Order, *, actor: Actor, carrier: str, tracking_number: str, at: datetime | None = None
) -> Shipment:
    when = at or timezone.now()
    with transaction.atomic():
        _move(order, O.SHIPPED, actor, when, "shipped_at", tracking_number=tracking_number)
        return Shipment.objects.create(
            order=order, carrier=carrier, tracking_number=tracking_number, shipped_at=when
        )


def do_deliver(order: Order, *, actor: Actor, at: datetime | None = None) -> Order:
    when = at or timezone.now()
    with transaction.atomic():
        _move(order, O.DELIVERED, actor, when, "delivered_at")
        Shipment.objects.filter(order=order, delivered_at__isnull=True).update(delivered_at=when)
    return order


def do_complete(order: Order, *, actor: Actor, at: datetime | None = None) -> Order:
    _move(order, O.COMPLETED, actor, at or timezone.now(), "completed_at")
    return order


def do_cancel(order: Order, *, actor: Actor, reason: str, at: datetime | None = None) -> Order:
    when = at or timezone.now()
    event = LIFECYCLE.move(
        order, O.CANCELLED, actor=actor, reason=reason, extra_updates={"cancelled_at": when}
    )
    OrderEvent.objects.filter(pk=event.pk).update(at=when)
    return order

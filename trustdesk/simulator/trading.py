"""Scenario: months of trading — orders through their lifecycle, price changes and festival promotions.

Orders are placed in time order, interleaved with the price changes due by then, so each order item
carries the price that was on the listing when it was bought. Each order then runs its whole life at
once, with realistic delays; a step that would fall after the end of the period is not taken, which
leaves the latest orders in flight.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from trustdesk.core.actors import SIMULATOR
from trustdesk.listings.models import Listing
from trustdesk.listings.services import do_update_listing
from trustdesk.orders.models import Order
from trustdesk.orders.services import (
    ItemLine,
    do_cancel,
    do_complete,
    do_deliver,
    do_place_order,
    do_record_payment,
    do_ship,
)
from trustdesk.simulator import people
from trustdesk.simulator.catalogue import BY_CODE, CategorySpec, charm_price
from trustdesk.simulator.seasons import festivals_between, local_midnight, order_times
from trustdesk.simulator.world import PREFIX, SimShop, SimShopper, World

BATCH = 250  # orders per transaction: few commits keep SQLite fast, and a batch stays small

PAYMENT_METHODS = ("alipay", "wechat_pay", "unionpay", "credit_card")
PAYMENT_SHARES = (55, 35, 6, 4)
CARRIERS = {"ZTO": 25, "YTO": 20, "YUNDA": 15, "SF": 15, "JD": 10, "STO": 10, "EMS": 5}
COLD_CHAIN = {"SF": 60, "JD": 40}
TRACKING_FORMAT = {  # prefix and number of random digits, as the carriers print them
    "ZTO": ("7", 13),
    "YTO": ("YT", 13),
    "YUNDA": ("43", 11),
    "SF": ("SF", 13),
    "JD": ("JDV", 12),
    "STO": ("77", 11),
    "EMS": ("1", 12),
}
# Marketplaces confirm receipt on the shopper's behalf this long after shipping.
AUTO_CONFIRM = timedelta(days=10)

UNPAID_TIMEOUT = "超时未支付，系统自动关闭 · not paid within 30 minutes, closed automatically"
SHOPPER_CANCELS = (
    "买家取消：拍错了 · cancelled by the shopper: ordered by mistake",
    "买家取消：不想要了 · cancelled by the shopper: changed their mind",
    "买家取消：地址填错 · cancelled by the shopper: wrong address",
)
CANCEL_AFTER_PAYMENT = "买家申请取消（未发货），已全额退款 · cancelled before shipment, refunded in full"
OUT_OF_STOCK = "商家缺货，取消订单并全额退款 · out of stock, cancelled by the merchant and refunded"


@dataclass
class _Tally:
    placed: int = 0
    payments: int = 0
    value: Decimal = Decimal("0")
    per_day: Counter[str] = field(default_factory=Counter)


def trade(world: World) -> None:
    market = _Market(world)
    if not market.shops:
        world.say("No shop has listings, so nobody orders anything.")
        return
    rng = world.rng("trading")
    tz = timezone.get_default_timezone()
    times = order_times(rng, world.start, world.until, world.config.orders, tz)
    prices = _PriceBook(world, world.rng("prices"))
    tally = _Tally()
    for first in range(0, len(times), BATCH):
        with transaction.atomic():
            for placed_at in times[first : first + BATCH]:
                prices.apply_due(placed_at)
                _one_order(rng, market, placed_at, world.until, tally)
                tally.per_day[placed_at.astimezone(tz).date().isoformat()] += 1
    with transaction.atomic():
        prices.apply_due(world.until)
    _report(world, tally, prices.applied)


class _Market:
    """Who can trade at a given time: shops already selling and shoppers already registered."""

    def __init__(self, world: World) -> None:
        self.shops = [s for s in world.shops if s.listings]
        self.shop_starts = [s.sells_from for s in self.shops]
        self.shop_weights = list(accumulate(s.popularity for s in self.shops))
        self.shoppers = world.shoppers
        self.shopper_starts = [s.shopper.registered_at for s in world.shoppers]
        self.shopper_weights = list(accumulate(s.activity for s in world.shoppers))
        self.listing_weights = {s.shop.pk: list(accumulate(s.listing_weights)) for s in self.shops}

    @staticmethod
    def _pick(rng: random.Random, cumulative: list[float], available: int) -> int:
        # The first shop and shopper always predate the period, so `available` is never 0 in
        # practice; guard anyway so a tiny run cannot fail on an empty prefix.
        available = max(1, available)
        return min(bisect_right(cumulative, rng.random() * cumulative[available - 1]), available - 1)

    def shop(self, rng: random.Random, at: datetime) -> SimShop:
        return self.shops[self._pick(rng, self.shop_weights, bisect_right(self.shop_starts, at))]

    def shopper(self, rng: random.Random, at: datetime) -> SimShopper:
        available = bisect_right(self.shopper_starts, at)
        return self.shoppers[self._pick(rng, self.shopper_weights, available)]

    def basket(self, rng: random.Random, shop: SimShop) -> list[Listing]:
        lines = rng.choices((1, 2, 3), (78, 16, 6))[0]
        cumulative = self.listing_weights[shop.shop.pk]
        chosen = {}
        for _ in range(lines):
            listing = shop.listings[self._pick(rng, cumulative, len(shop.listings))]
            chosen[listing.pk] = listing
        return list(chosen.values())


def _one_order(
    rng: random.Random, market: _Market, placed_at: datetime, until: datetime, tally: _Tally
) -> None:
    shop = market.shop(rng, placed_at)
    buyer = market.shopper(rng, placed_at)
    items, specs = [], []
    for listing in market.basket(rng, shop):
        spec = BY_CODE[listing.category.code]
        quantity = 1
        if spec.max_quantity > 1 and rng.random() < 0.2:
            quantity = rng.randint(2, spec.max_quantity)
        # Exempt goods are sold only after the shopper confirms they cannot be returned without reason.
        confirmed = not spec.no_reason_return
        items.append(ItemLine(listing.external_id, quantity, non_returnable_confirmed=confirmed))
        specs.append(spec)
    name, phone = buyer.real_name, buyer.phone
    if rng.random() < 0.15:  # a present, or a parcel for someone else at home
        name = people.person(rng, on=placed_at.date()).name
        phone = people.mobile(rng)
    address = buyer.addresses[0] if rng.random() < 0.8 else rng.choice(buyer.addresses)
    tally.placed += 1
    order = do_place_order(
        actor=SIMULATOR,
        external_id=f"{PREFIX}o{tally.placed:06d}",
        shopper=buyer.shopper,
        shop=shop.shop,
        items=items,
        recipient_name=name,
        recipient_phone=phone,
        shipping_address=address,
        placed_at=placed_at,
    )
    _live(rng, order, shop, buyer, specs, until, tally)


def _hours(rng: random.Random, median: float, spread: float) -> timedelta:
    return timedelta(hours=median * rng.lognormvariate(0, spread))


def _live(
    rng: random.Random,
    order: Order,
    shop: SimShop,
    buyer: SimShopper,
    specs: list[CategorySpec],
    until: datetime,
    tally: _Tally,
) -> None:
    """Take the order through as many of its steps as fall before `until`."""
    sloppy = shop.owner.sloppy
    digital = all(s.code == "digital-downloads" for s in specs)
    at = order.placed_at

    if rng.random() < 0.05:
        if rng.random() < 0.6:
            at, reason = at + timedelta(minutes=30), UNPAID_TIMEOUT
        else:
            at, reason = at + timedelta(minutes=rng.uniform(2, 25)), rng.choice(SHOPPER_CANCELS)
        if at < until:
            do_cancel(order, actor=SIMULATOR, reason=reason, at=at)
        return

    method = rng.choices(PAYMENT_METHODS, PAYMENT_SHARES)[0]
    fingerprint = buyer.payment_fingerprints[0 if rng.random() < 0.85 else -1]
    if rng.random() < 0.03:  # a declined card or a short balance, then a second try
        at += timedelta(minutes=rng.uniform(0.5, 4))
        if at >= until:
            return
        _pay(order, tally, method, fingerprint, at, succeeded=False)
    at += timedelta(minutes=min(25.0, 2 * rng.lognormvariate(0, 0.9)))
    if at >= until:
        return
    _pay(order, tally, method, fingerprint, at, succeeded=True)
    tally.value += order.total_amount

    if not digital and rng.random() < (0.08 if sloppy else 0.025):
        at += _hours(rng, 8, 0.8)
        if at < until:
            reason = OUT_OF_STOCK if sloppy and rng.random() < 0.7 else CANCEL_AFTER_PAYMENT
            do_cancel(order, actor=SIMULATOR, reason=reason, at=at)
        return

    slowest = max(s.ship_hours for s in specs)
    at += _hours(rng, slowest * (3.0 if sloppy and not digital else 1.0), 0.6)
    if at >= until:
        return
    carrier, tracking = _tracking(rng, specs, digital)
    do_ship(order, actor=SIMULATOR, carrier=carrier, tracking_number=tracking, at=at)
    shipped_at = at

    transit = max(s.transit_days for s in specs)
    at += timedelta(minutes=1) if digital else _hours(rng, 24 * transit, 0.4)
    if at >= until:
        return
    do_deliver(order, actor=SIMULATOR, at=at)

    auto_confirm = max(shipped_at + AUTO_CONFIRM, at + timedelta(hours=1))
    # Most shoppers confirm receipt themselves; the marketplace confirms for the others.
    confirms = digital or rng.random() < 0.55
    at = min(at + _hours(rng, 20, 1.0), auto_confirm) if confirms else auto_confirm
    if at < until:
        do_complete(order, actor=SIMULATOR, at=at)


def _pay(
    order: Order, tally: _Tally, method: str, fingerprint: str, at: datetime, *, succeeded: bool
) -> None:
    tally.payments += 1
    do_record_payment(
        order,
        actor=SIMULATOR,
        external_id=f"{PREFIX}p{tally.payments:06d}",
        amount=order.total_amount,
        method=method,
        succeeded=succeeded,
        payment_fingerprint=fingerprint,
        at=at,
    )


def _tracking(rng: random.Random, specs: list[CategorySpec], digital: bool) -> tuple[str, str]:
    if digital:
        return "DIGITAL", f"DL{rng.getrandbits(40):010X}"
    carriers = COLD_CHAIN if any(s.code == "fresh-food" for s in specs) else CARRIERS
    carrier = rng.choices(list(carriers), list(carriers.values()))[0]
    prefix, digits = TRACKING_FORMAT[carrier]
    return carrier, prefix + f"{rng.randrange(10**digits):0{digits}d}"


@dataclass(order=True)
class _PriceStep:
    at: datetime
    sequence: int
    listing: Listing = field(compare=False)
    # None means "back to the price before the promotion".
    factor: float | None = field(compare=False)
    promotion: bool = field(default=False, compare=False)


class _PriceBook:
    """Repricing now and then, and festival promotions that start at the warm-up and end after."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.rng = rng
        self.applied = 0
        self.before_promotion: dict[int, Decimal] = {}
        steps: list[_PriceStep] = []

        def add(at: datetime, listing: Listing, factor: float | None, promotion: bool) -> None:
            steps.append(_PriceStep(at, len(steps), listing, factor, promotion))

        span = world.until - world.start
        for shop in world.shops:
            for listing in shop.listings:
                if rng.random() < 0.15:
                    for _ in range(rng.choice((1, 1, 2))):
                        at = max(world.start, listing.created_at) + span * rng.random()
                        if at < world.until:
                            add(at, listing, rng.uniform(0.85, 1.12), False)
        tz = timezone.get_default_timezone()
        for festival, day in festivals_between(world.start, world.until, tz):
            begins = local_midnight(day - timedelta(days=festival.warm_up_days), tz)
            ends = local_midnight(day + timedelta(days=2), tz)
            if begins < world.start:
                continue
            for shop in world.shops:
                if rng.random() >= 0.5:
                    continue
                for listing in shop.listings:
                    if rng.random() < 0.6 and listing.created_at < begins:
                        jitter = timedelta(minutes=rng.uniform(0, 30))
                        add(begins + jitter, listing, rng.uniform(0.7, 0.92), True)
                        add(ends + jitter, listing, None, False)
        self.steps = sorted(steps)
        self.next = 0

    def apply_due(self, now: datetime) -> None:
        while self.next < len(self.steps) and self.steps[self.next].at <= now:
            self._apply(self.steps[self.next])
            self.next += 1

    def _apply(self, step: _PriceStep) -> None:
        listing = step.listing
        changes: dict[str, object] = {}
        if step.factor is None:
            new_price = self.before_promotion.pop(listing.pk, listing.price)
            changes["original_price"] = None
        else:
            new_price = charm_price(self.rng, float(listing.price) * step.factor)
            if step.promotion:
                # The struck-through price of a promotion is the one it really sold at just before;
                # an invented one is the misleading "original price" the compliance check flags.
                changes["original_price"] = self.before_promotion.setdefault(listing.pk, listing.price)
        if listing.original_price is not None and new_price >= listing.original_price:
            changes["original_price"] = None
        original = changes.get("original_price", listing.original_price)
        if new_price == listing.price and original == listing.original_price:
            return
        changes["price"] = new_price
        do_update_listing(listing, actor=SIMULATOR, changes=changes, at=step.at)
        self.applied += 1


def _report(world: World, tally: _Tally, price_changes: int) -> None:
    statuses = dict(
        Order.objects.filter(external_id__startswith=PREFIX)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    finished = statuses.get("completed", 0) + statuses.get("cancelled", 0)
    busiest = tally.per_day.most_common(1)
    peak = f"; the busiest day was {busiest[0][0]} with {busiest[0][1]} orders" if busiest else ""
    world.say(
        f"{tally.placed} orders were placed between {world.start:%Y-%m-%d} and "
        f"{world.until:%Y-%m-%d}, ¥{tally.value:,.2f} paid: {statuses.get('completed', 0)} "
        f"completed, {statuses.get('cancelled', 0)} cancelled, {tally.placed - finished} "
        f"still in flight{peak}. Listings changed price {price_changes} times, festival "
        "promotions included."
    )

"""The demo simulator and the demo commands: reproducible, believable, consistent, safe to re-run."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO
from itertools import pairwise

import pyotp
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from trustdesk.accounts.models import Shopper, User
from trustdesk.accounts.roles import ALL_ROLES, STAFF_ROLES
from trustdesk.listings.models import Category, Listing, PriceChange
from trustdesk.merchants.identity import check_resident_id, check_uscc
from trustdesk.merchants.models import Merchant, MerchantEvent, Shop
from trustdesk.orders.models import Order, OrderEvent, OrderItem, Payment, Shipment
from trustdesk.simulator.logins import DEMO_PASSWORD

SMALL = ["--orders=150", "--merchants=4", "--shoppers=25", "--months=2"]
# A fixed end of the period: "now" moves, and with it every backdated time.
UNTIL = "--until=2026-11-20T21:00:00+08:00"

pytestmark = pytest.mark.django_db


def simulate(*args: str) -> str:
    out = StringIO()
    call_command("simulate", *SMALL, UNTIL, *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    """A fingerprint of everything the simulator decides, personal data in clear included."""
    h = hashlib.sha256()
    for merchant in Merchant.objects.order_by("external_id"):
        h.update(repr((merchant.external_id, merchant.legal_name, merchant.uscc)).encode())
        h.update(merchant.legal_rep_id_number.reveal().encode())
    for listing in Listing.objects.order_by("external_id").values_list(
        "external_id", "shop__external_id", "title", "brand", "category__code", "price",
        "original_price", "created_at",
    ):  # fmt: skip
        h.update(repr(listing).encode())
    for change in PriceChange.objects.order_by("listing__external_id", "at").values_list(
        "listing__external_id", "old_price", "new_price", "at"
    ):
        h.update(repr(change).encode())
    for order in Order.objects.order_by("external_id").select_related("shopper", "shop"):
        h.update(
            repr(
                (
                    order.external_id, order.shopper.external_id, order.shop.external_id,
                    order.status, order.total_amount, order.placed_at, order.paid_at,
                    order.shipped_at, order.delivered_at, order.completed_at, order.cancelled_at,
                    order.recipient_name.reveal(), order.shipping_address.reveal(),
                )
            ).encode()
        )  # fmt: skip
    for item in OrderItem.objects.order_by("order__external_id", "id").values_list(
        "order__external_id", "listing__external_id", "quantity", "unit_price"
    ):
        h.update(repr(item).encode())
    return h.hexdigest()


def wipe() -> None:
    Order.objects.all().delete()
    Merchant.objects.all().delete()
    Shopper.objects.all().delete()


def test_the_same_seed_gives_the_same_marketplace_and_another_seed_another():
    simulate("--seed=7", "--orders=80")
    first = digest()
    wipe()
    simulate("--seed=7", "--orders=80")
    assert digest() == first
    wipe()
    simulate("--seed=8", "--orders=80")
    assert digest() != first


def test_the_sizes_follow_the_options():
    summary = simulate("--seed=1")
    assert Merchant.objects.count() == 4
    assert Shopper.objects.count() == 25
    assert Order.objects.count() == 150
    assert Shop.objects.count() >= 4
    assert Listing.objects.count() >= 4 * 6
    assert Category.objects.count() == 10
    assert "150 orders were placed" in summary
    # Two months back from the fixed end, and nothing after it.
    placed = sorted(Order.objects.values_list("placed_at", flat=True))
    assert (placed[-1] - placed[0]).days in range(45, 62)
    assert placed[-1] < datetime(2026, 11, 20, 13, tzinfo=UTC)


def test_exempt_categories_and_warranties_follow_the_consumer_law():
    simulate()
    exempt = set(Category.objects.filter(no_reason_return=False).values_list("code", flat=True))
    assert exempt == {"fresh-food", "books", "digital-downloads", "custom-made"}
    assert Category.objects.get(code="electronics").warranty_days == 365
    for item in OrderItem.objects.select_related("category"):
        assert item.non_returnable_confirmed == (item.category.code in exempt)


def test_every_merchant_identity_passes_the_checks_and_is_unique():
    simulate("--merchants=12", "--orders=10")
    merchants = list(Merchant.objects.all())
    for merchant in merchants:
        check_uscc(merchant.uscc)
        number = merchant.legal_rep_id_number.reveal()
        check_resident_id(number)
        # The USCC's division code is a real county, and so is the ID's.
        assert merchant.uscc[2:8].isdigit() and number[:6].isdigit()
    assert len({m.uscc for m in merchants}) == len(merchants)


def test_orders_have_consistent_times_and_an_event_per_transition():
    simulate("--seed=3")
    events = {}
    for event in OrderEvent.objects.order_by("at", "id"):
        events.setdefault(event.order_id, []).append(event)
    statuses = Counter()
    for order in Order.objects.all():
        statuses[order.status] += 1
        steps = [(e.from_state, e.to_state) for e in events[order.pk]]
        assert steps[0] == ("", "placed")
        for (_, to_state), (from_state, _) in pairwise(steps):
            assert from_state == to_state
        assert steps[-1][1] == order.status
        times = [e.at for e in events[order.pk]]
        assert times == sorted(times) and times[0] == order.placed_at
        stamps = [
            order.placed_at,
            order.paid_at,
            order.shipped_at,
            order.delivered_at,
            order.completed_at,
        ]
        reached = [t for t in stamps if t is not None]
        assert reached == sorted(reached)
        assert stamps[: len(reached)] == reached, "a later step is stamped while an earlier is not"
        by_state = {e.to_state: e.at for e in events[order.pk]}
        for state, stamp in (("paid", order.paid_at), ("shipped", order.shipped_at),
                             ("delivered", order.delivered_at), ("completed", order.completed_at),
                             ("cancelled", order.cancelled_at)):  # fmt: skip
            assert by_state.get(state) == stamp
        if order.status == "cancelled":
            assert order.cancelled_at >= order.placed_at
            assert events[order.pk][-1].reason
    # Most orders finish; some are cancelled; the latest are still on their way.
    assert statuses["completed"] > Order.objects.count() / 2
    assert statuses["cancelled"] >= 1
    assert statuses["placed"] + statuses["paid"] + statuses["shipped"] + statuses["delivered"] >= 1
    # Payments cover totals, and each shipped order has its parcel.
    for payment in Payment.objects.filter(status="succeeded").select_related("order"):
        assert payment.amount == payment.order.total_amount and payment.at == payment.order.paid_at
    assert Shipment.objects.count() == Order.objects.filter(shipped_at__isnull=False).count()


def test_items_carry_the_price_the_listing_had_when_ordered():
    simulate("--seed=5", "--orders=300")
    history: dict[int, list] = {}
    for change in PriceChange.objects.order_by("at", "id"):
        history.setdefault(change.listing_id, []).append(change)
    assert sum(len(h) > 1 for h in history.values()) >= 1, "some listings changed price"
    for item in OrderItem.objects.select_related("order"):
        in_force = [c for c in history[item.listing_id] if c.at <= item.order.placed_at]
        assert item.unit_price == in_force[-1].new_price


def test_late_shippers_are_warned_with_their_measured_rate_as_the_reason():
    simulate("--seed=2", "--merchants=10", "--orders=400")
    moves = MerchantEvent.objects.exclude(from_state="").select_related("merchant")
    assert moves.filter(to_state="warned").exists()
    for event in moves:
        shipped = (
            Order.objects.filter(shop__merchant=event.merchant, shipped_at__isnull=False)
            .exclude(items__category__code__in=["custom-made", "digital-downloads"])
            .values_list("paid_at", "shipped_at")
        )
        late = sum(s - p > timedelta(hours=48) for p, s in shipped) / len(shipped)
        assert late > 0.15
        assert f"{late:.0%}" in event.reason
        assert event.actor_label == "simulator"


def test_simulating_twice_into_the_same_database_is_refused():
    simulate()
    with pytest.raises(CommandError, match="already holds a simulated marketplace"):
        simulate()


def demo(*args: str) -> str:
    out = StringIO()
    call_command(
        "demo", "--no-serve", "--orders=60", "--merchants=3", "--shoppers=10", "--months=1", *args,
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


def test_the_demo_prepares_everything_once_and_can_run_again(settings):
    settings.DEBUG = True
    first = demo()
    assert "http://127.0.0.1:8000/api/v1/docs" in first
    assert DEMO_PASSWORD in first
    orders, users = Order.objects.count(), User.objects.count()
    assert orders == 60

    second = demo()
    assert "not run again" in second
    assert (Order.objects.count(), User.objects.count()) == (orders, users)

    for role in ALL_ROLES:
        user = User.objects.get(username=role)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password(DEMO_PASSWORD)
        if role in STAFF_ROLES:
            secret = user.totp_secret.reveal()
            assert user.has_totp and secret in first and secret in second
        else:
            assert not user.has_totp
    assert User.objects.get(username="merchant").merchant is not None
    assert Shopper.objects.get(user__username="shopper").orders.exists()


def test_demo_otp_prints_the_current_code_in_development_only(settings):
    settings.DEBUG = True
    demo()
    out = StringIO()
    call_command("demo_otp", "agent", stdout=out)
    secret = User.objects.get(username="agent").totp_secret.reveal()
    assert pyotp.TOTP(secret).verify(out.getvalue().strip(), valid_window=1)

    settings.DEBUG = False
    with pytest.raises(CommandError, match="TRUSTDESK_DEBUG"):
        call_command("demo_otp", "agent", stdout=StringIO())
    with pytest.raises(CommandError, match="TRUSTDESK_DEBUG"):
        demo()

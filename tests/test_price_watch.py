"""Price history and price watch: a write is judged against the listing's prices at the write's own
time (so backdated changes are judged as of then), and abnormal changes raise alerts that staff resolve."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from trustdesk.audit.models import AuditEvent
from trustdesk.compliance.models import PriceAlert
from trustdesk.core.actors import Actor
from trustdesk.listings.services import do_create_listing, do_update_listing, get_listing
from trustdesk.merchants.models import Shop

ACTOR = Actor.system("test")


@pytest.fixture
def backdated(marketplace):
    """A listing created 100 days ago at 100.00 that kept its price since."""
    now = timezone.now()
    listing = do_create_listing(
        Shop.objects.get(external_id="s-1"),
        actor=ACTOR,
        external_id="l-old",
        title="羊毛围巾",
        category="apparel",
        price=Decimal("100"),
        created_at=now - timedelta(days=100),
    )
    return listing, now


def verdict(listing):
    return listing.compliance_checks.first()


def test_a_backdated_promotion_is_judged_against_the_prices_of_its_own_time(backdated):
    listing, now = backdated
    promo_at = now - timedelta(days=60)
    do_update_listing(
        listing, actor=ACTOR, changes={"price": Decimal("80"), "original_price": Decimal("100")}, at=promo_at
    )
    run = verdict(listing)
    assert run.verdict == "pass" and run.at == promo_at
    # Repriced during the promotion, keeping the struck-through price it really had before.
    do_update_listing(listing, actor=ACTOR, changes={"price": Decimal("75")}, at=now - timedelta(days=45))
    assert verdict(listing).verdict == "pass"


def test_a_promotion_repriced_in_the_last_weeks_keeps_its_honest_original_price(backdated):
    listing, now = backdated
    do_update_listing(
        listing,
        actor=ACTOR,
        changes={"price": Decimal("80"), "original_price": Decimal("100")},
        at=now - timedelta(days=20),
    )
    do_update_listing(listing, actor=ACTOR, changes={"price": Decimal("75")}, at=now - timedelta(days=5))
    # The window of 30 days before the repricing opens at 100.00, the price it had then.
    assert verdict(listing).verdict == "pass"


def test_an_original_price_the_listing_never_had_is_flagged_even_when_backdated(backdated):
    listing, now = backdated
    at = now - timedelta(days=70)
    do_update_listing(
        listing, actor=ACTOR, changes={"price": Decimal("90"), "original_price": Decimal("150")}, at=at
    )
    run = verdict(listing)
    assert run.verdict == "revise" and run.at == at
    assert [f.code for f in run.findings.all()] == ["inflated_original_price"]


def test_a_price_far_above_the_category_raises_a_category_alert_at_the_time_of_the_change(api, marketplace):
    category = {"code": "scarves", "name_en": "Scarves", "name_zh": "围巾", "reference_price": "100"}
    assert api.post("/categories", category)[0] == 201
    item = {"external_id": "l-s", "shop": "s-1", "title": "真丝围巾", "category": "scarves", "price": "120"}
    assert api.post("/listings", item)[0] == 201
    at = timezone.now() - timedelta(days=3)
    do_update_listing(get_listing("l-s"), actor=ACTOR, changes={"price": Decimal("900")}, at=at)
    alerts = {a.kind: a for a in PriceAlert.objects.filter(listing__external_id="l-s")}
    assert set(alerts) == {"history", "category"}
    assert alerts["category"].baseline == Decimal("100") and alerts["category"].ratio == Decimal("9")
    assert alerts["history"].at == at


def test_staff_resolve_alerts_in_the_console_and_credit_recovers(api, marketplace, staff_client):
    assert api.patch("/listings/l-1", {"price": "5.00"})[0] == 200
    alert = PriceAlert.objects.get()
    signal = lambda: next(  # noqa: E731
        f for f in api.get("/merchants/m-1/credit")[1]["breakdown"] if f["factor"] == "risk_signals"
    )
    assert signal()["points"] == 80
    client = staff_client("governance")
    assert 'data-testid="price-alert"' in client.get("/compliance/price-alerts/").content.decode()
    response = client.post(
        f"/compliance/price-alerts/{alert.pk}/resolve/", {"note": "clearance sale, checked"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_at is not None
    entry = AuditEvent.objects.get(action="price_alert.resolved")
    assert entry.reason == "clearance sale, checked" and entry.actor_label == "governance"
    assert 'data-testid="price-alert"' not in client.get("/compliance/price-alerts/").content.decode()
    assert 'data-testid="price-alert"' in client.get("/compliance/price-alerts/?show=all").content.decode()
    assert signal()["points"] == 100
    assert staff_client("agent").post(f"/compliance/price-alerts/{alert.pk}/resolve/").status_code == 403

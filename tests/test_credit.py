"""Credit: score, tier and breakdown move when inputs change, and low tiers carry real consequences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import VALID_RESIDENT_IDS, VALID_USCC
from django.utils import timezone
from test_aftersales_support import delivered_order, open_case

from trustdesk.compliance import spotchecks
from trustdesk.listings.models import Listing
from trustdesk.merchants import credit
from trustdesk.merchants.models import CreditScore, Merchant

EVIDENCE = [{"label": "report", "ref": "r-1"}]


def test_a_clean_merchant_is_tier_a_with_an_explained_breakdown(api, marketplace):
    status, body = api.get("/merchants/m-1/credit")
    assert status == 200 and body["score"] == 1000 and body["tier"] == "A"
    assert {f["factor"] for f in body["breakdown"]} == {
        "fulfilment",
        "after_sales",
        "complaints",
        "risk_signals",
        "penalties",
        "spot_checks",
        "listing_compliance",
    }
    assert all(f["detail"] for f in body["breakdown"])
    assert body["payout_hold"] is False and body["listing_limit"] is None


def test_after_sales_complaints_and_price_alerts_count(api, marketplace):
    first, second = delivered_order(api, "o-1"), delivered_order(api, "o-2")
    open_case(api, first)
    open_case(api, second, kind="complaint", reason="service", description="客服态度太差")
    assert api.patch("/listings/l-1", {"price": "5.00"})[0] == 200  # a tenth of its price: an alert
    merchant = Merchant.objects.get(external_id="m-1")
    factors = {f["factor"]: f for f in credit.recompute(merchant, reason="test").breakdown}
    assert factors["after_sales"]["points"] == 200
    assert factors["after_sales"]["detail"].startswith("0 of 1 after-sales requests")
    assert (
        factors["complaints"]["points"] == 0
        and "1 complaints per 2 paid orders" in factors["complaints"]["detail"]
    )
    assert (
        factors["risk_signals"]["points"] == 80 and "1 open price alerts" in factors["risk_signals"]["detail"]
    )


def test_a_stale_score_is_recomputed_before_it_is_shown(api, marketplace):
    merchant = Merchant.objects.get(external_id="m-1")
    stale = credit.recompute(merchant, reason="test")
    CreditScore.objects.filter(pk=stale.pk).update(computed_at=timezone.now() - timedelta(hours=2), score=1)
    assert credit.credit_of(merchant).score == 1000
    assert api.get("/merchants/m-1/credit")[1]["score"] == 1000


def test_penalties_and_blocked_listings_lower_the_score(api, marketplace):
    blocked = {"external_id": "l-bad", "shop": "s-1", "title": "高仿包 可治疗失眠", "category": "apparel"}
    assert api.post("/listings", {**blocked, "price": "10"})[0] == 201
    for kind in ("suspension", "traffic_restriction"):
        api.post("/merchants/m-1/penalties", {"kind": kind, "reason": "fraud", "evidence": EVIDENCE})
    body = api.get("/merchants/m-1/credit")[1]
    factors = {f["factor"]: f for f in body["breakdown"]}
    assert factors["penalties"]["points"] == 0 and "2 penalties" in factors["penalties"]["detail"]
    assert (
        factors["listing_compliance"]["points"] < 150
        and "1 blocked" in factors["listing_compliance"]["detail"]
    )
    # Suspended: whatever the factors say, the score is capped, and the breakdown says so.
    assert body["score"] == 399 and body["tier"] == "E"
    assert body["breakdown"][-1]["factor"] == "standing" and "suspended" in body["breakdown"][-1]["detail"]
    assert body["breakdown"][-1]["points"] < 0  # the factors alone would score higher


@pytest.fixture
def failing_signal():
    """A signal from another part of the platform, plugged in through the registry: m-1 runs a review ring."""
    factor = credit.Factor(
        "fake_reviews",
        "Fake reviews",
        3000,
        lambda m: (
            credit.FactorResult(0, "review ring")
            if m.external_id == "m-1"
            else credit.FactorResult(3000, "none")
        ),
    )
    credit.register(factor)
    yield factor
    del credit.FACTORS["fake_reviews"]


def test_a_tier_e_merchant_is_limited_inspected_more_and_has_payouts_held(api, marketplace, failing_signal):
    other = {
        "external_id": "m-2",
        "legal_name": "苏州清风家居有限公司",
        "uscc": VALID_USCC[1],
        "legal_rep_name": "李四",
        "legal_rep_id_number": VALID_RESIDENT_IDS[1],
    }
    assert api.post("/merchants", other)[0] == 201
    assert api.post("/merchants/m-2/shops", {"external_id": "s-2", "name": "清风家居"})[0] == 201
    assert (
        api.post(
            "/listings",
            {"external_id": "k-1", "shop": "s-2", "title": "靠垫", "category": "apparel", "price": "30"},
        )[0]
        == 201
    )
    credit.recompute(Merchant.objects.get(external_id="m-2"), reason="test")
    # An input changes (a warning) and the score is recomputed with every factor, the new one included.
    api.post("/merchants/m-1/penalties", {"kind": "warning", "reason": "late", "evidence": EVIDENCE})
    status, body = api.get("/merchants/m-1/credit")
    assert body["tier"] == "E" and body["payout_hold"] is True and body["listing_limit"] == 20
    assert any(f["factor"] == "fake_reviews" and f["detail"] == "review ring" for f in body["breakdown"])

    # Listing limit: 20 active listings, not one more; a delisted one cannot come back either.
    for i in range(18):
        item = {"external_id": f"x-{i}", "shop": "s-1", "title": f"收纳盒 {i}", "category": "apparel"}
        assert api.post("/listings", {**item, "price": "20"})[0] == 201
    status, refused = api.post(
        "/listings",
        {"external_id": "x-20", "shop": "s-1", "title": "袜子", "category": "apparel", "price": "9"},
    )
    assert status == 409 and refused["code"] == "listing_limit"
    assert not Listing.objects.filter(external_id="x-20").exists()
    assert api.patch("/listings/x-0", {"status": "delisted"})[0] == 200
    assert (
        api.post(
            "/listings",
            {"external_id": "x-21", "shop": "s-1", "title": "袜子", "category": "apparel", "price": "9"},
        )[0]
        == 201
    )
    status, refused = api.patch("/listings/x-0", {"status": "active"})
    assert status == 409 and refused["code"] == "listing_limit"

    # More spot checks: every listing of the tier-E merchant weighs 4, the tier-A merchant's 0.5.
    weights = dict(spotchecks.population())
    mine = Listing.objects.filter(shop__merchant__external_id="m-1", status="active").values_list(
        "id", flat=True
    )
    assert {weights[pk] for pk in mine} == {4.0}
    assert weights[Listing.objects.get(external_id="k-1").pk] == 0.5


def test_a_suspended_merchant_cannot_put_listings_on_sale(api, marketplace):
    api.post("/merchants/m-1/penalties", {"kind": "suspension", "reason": "fraud", "evidence": EVIDENCE})
    status, refused = api.post(
        "/listings",
        {"external_id": "x-1", "shop": "s-1", "title": "袜子", "category": "apparel", "price": "9"},
    )
    assert status == 409 and refused["code"] == "merchant_inactive"
    assert api.patch("/listings/l-1", {"status": "delisted"})[0] == 200
    assert api.patch("/listings/l-1", {"status": "active"})[1]["code"] == "merchant_inactive"


def test_tiers_and_their_consequences():
    assert [credit.policy_for(s).tier for s in (1000, 850, 849, 700, 550, 400, 0)] == list("AABBCDE")
    assert credit.policy_for(300).payout_hold and credit.policy_for(300).listing_limit == 20
    assert credit.policy_for(900).spot_check_weight < credit.policy_for(300).spot_check_weight


def test_providers_plug_in_through_the_registry(api, marketplace):
    factor = credit.Factor("feedback", "Feedback", 250, lambda m: credit.FactorResult(0, "many"))
    credit.register(factor)
    try:
        body = credit.recompute(Merchant.objects.get(external_id="m-1"), reason="test")
        possible = sum(f.max_points for f in credit.FACTORS.values())
        assert (
            body.score == round(1000 * (possible - 250) / possible)
            and body.breakdown[-1]["factor"] == "feedback"
        )
    finally:
        del credit.FACTORS["feedback"]

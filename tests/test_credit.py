"""Credit: score, tier and breakdown move when inputs change, and low tiers carry real consequences."""

from __future__ import annotations

from trustdesk.merchants import credit
from trustdesk.merchants.models import Merchant

EVIDENCE = [{"label": "report", "ref": "r-1"}]


def test_a_clean_merchant_is_tier_a_with_an_explained_breakdown(api, marketplace):
    status, body = api.get("/merchants/m-1/credit")
    assert status == 200 and body["score"] == 1000 and body["tier"] == "A"
    assert {f["factor"] for f in body["breakdown"]} == {
        "fulfilment",
        "penalties",
        "spot_checks",
        "listing_compliance",
    }
    assert all(f["detail"] for f in body["breakdown"])
    assert body["payout_hold"] is False and body["listing_limit"] is None


def test_penalties_lower_the_score_and_low_tiers_limit_listings_and_hold_payouts(api, marketplace):
    for kind in ("suspension", "traffic_restriction"):
        api.post("/merchants/m-1/penalties", {"kind": kind, "reason": "fraud", "evidence": EVIDENCE})
    api.post(
        "/listings",
        {
            "external_id": "l-bad",
            "shop": "s-1",
            "title": "高仿包 可治疗失眠",
            "category": "apparel",
            "price": "10",
        },
    )
    body = api.get("/merchants/m-1/credit")[1]
    penalties = next(f for f in body["breakdown"] if f["factor"] == "penalties")
    assert penalties["points"] == 0 and "2 penalties" in penalties["detail"]
    assert body["score"] < 700 and body["tier"] in "CDE"

    merchant = Merchant.objects.get(external_id="m-1")
    merchant.credit.listing_limit = 2
    merchant.credit.save()
    status, refused = api.post(
        "/listings",
        {"external_id": "l-4", "shop": "s-1", "title": "袜子", "category": "apparel", "price": "9"},
    )
    assert status == 409 and refused["code"] == "listing_limit"


def test_tiers_and_their_consequences():
    assert [credit.policy_for(s).tier for s in (1000, 850, 849, 700, 550, 400, 0)] == list("AABBCDE")
    assert credit.policy_for(300).payout_hold and credit.policy_for(300).listing_limit == 20
    assert credit.policy_for(900).spot_check_weight < credit.policy_for(300).spot_check_weight


def test_providers_plug_in_through_the_registry(api, marketplace):
    factor = credit.Factor("complaints", "Complaints", 250, lambda m: credit.FactorResult(0, "many"))
    credit.register(factor)
    try:
        body = credit.recompute(Merchant.objects.get(external_id="m-1"), reason="test")
        assert body.score == round(1000 * 850 / 1100) and body.breakdown[-1]["factor"] == "complaints"
    finally:
        del credit.FACTORS["complaints"]

"""Shopper credit (SPEC C11) in after-sales: refund-only without a return is for shoppers in good
standing; a low tier still gets a return and refund, and a parcel that never arrived is always refunded."""

from __future__ import annotations

from conftest import order_body
from test_aftersales_support import delivered_order, shop

from trustdesk.aftersales.models import Case

__all__ = ["shop"]


def ask(api, order, kind, reason):
    body = {"order": order["external_id"], "item": order["items"][0]["id"], "shopper": "u-1"}
    return api.post("/aftersales/cases", {**body, "kind": kind, "reason": reason})


def lose_credit(api) -> None:
    """Three refund requests and a chargeback, reported by the marketplace as risk events."""
    for i in range(3):
        event = {
            "id": f"rf-{i}",
            "type": "refund.requested",
            "user": "u-1",
            "order": "o-x",
            "amount": "10.00",
        }
        assert api.post("/events", event)[0] == 200
    chargeback = {
        "id": "cb-1",
        "type": "chargeback.received",
        "user": "u-1",
        "order": "o-x",
        "amount": "99.00",
    }
    assert api.post("/events", chargeback)[0] == 200
    _status, credit = api.get("/risk/credit/u-1")
    assert credit["refund_only_allowed"] is False, credit


def test_a_shopper_in_good_standing_may_ask_for_refund_only(shop):
    order = delivered_order(shop)
    status, case = ask(shop, order, "refund_only", "damaged")
    assert status == 201, case


def test_a_low_credit_tier_is_refused_refund_only_and_offered_a_return(shop):
    order = delivered_order(shop)
    lose_credit(shop)

    status, body = ask(shop, order, "refund_only", "damaged")
    assert status == 422
    assert body["code"] == "credit_restricted"
    assert "return and refund" in body["message"]
    assert not Case.objects.exists()

    status, case = ask(shop, order, "return_refund", "damaged")
    assert status == 201, case


def test_a_parcel_that_never_arrived_is_refunded_whatever_the_credit(shop):
    status, order = shop.post("/orders", order_body("o-9"))
    assert status == 201, order
    total = order["total_amount"]
    payment = {"external_id": "pay-o-9", "amount": total, "method": "card"}
    assert shop.post("/orders/o-9/payments", payment)[0] == 200
    lose_credit(shop)

    status, case = ask(shop, order, "refund_only", "not_received")
    assert status == 201, case

"""The marketplace core fed through /api/v1: shoppers, orders, payments, shipments."""

from __future__ import annotations

from decimal import Decimal

from conftest import ORDER_TOTAL, order_body

from trustdesk.orders.models import Order, OrderEvent


def test_an_order_goes_from_placed_to_completed_with_an_event_per_step(api, marketplace):
    status, order = api.post("/orders", order_body())
    assert status == 201, order
    assert Decimal(order["total_amount"]) == ORDER_TOTAL
    assert [i["amount"] for i in order["items"]] == ["118.00", "199.00"]
    assert order["shipping_address_masked"].startswith("浙江省")
    assert "501" not in order["shipping_address_masked"]

    payment = {"external_id": "p-1", "amount": str(ORDER_TOTAL), "method": "alipay"}
    assert api.post("/orders/o-1/payments", payment)[1]["status"] == "paid"
    shipment = {"carrier": "SF", "tracking_number": "SF123"}
    assert api.post("/orders/o-1/shipments", shipment)[1]["status"] == "shipped"
    assert api.post("/orders/o-1/delivery", {})[1]["status"] == "delivered"
    status, done = api.post("/orders/o-1/completion", {})
    assert status == 200 and done["status"] == "completed"
    steps = list(OrderEvent.objects.filter(order__external_id="o-1").values_list("from_state", "to_state"))
    assert steps == [
        ("", "placed"),
        ("placed", "paid"),
        ("paid", "shipped"),
        ("shipped", "delivered"),
        ("delivered", "completed"),
    ]


def test_an_order_cannot_skip_states_and_nothing_changes(api, marketplace):
    api.post("/orders", order_body())
    status, body = api.post("/orders/o-1/delivery", {})
    assert status == 409 and body["code"] == "invalid_transition"
    assert "placed" in body["message"]
    assert Order.objects.get(external_id="o-1").status == "placed"
    assert OrderEvent.objects.filter(order__external_id="o-1").count() == 1


def test_a_payment_must_cover_the_total(api, marketplace):
    api.post("/orders", order_body())
    status, body = api.post(
        "/orders/o-1/payments", {"external_id": "p-1", "amount": "1.00", "method": "card"}
    )
    assert status == 422 and body["code"] == "amount_mismatch"
    assert Order.objects.get(external_id="o-1").status == "placed"


def test_an_order_for_a_listing_of_another_shop_is_refused(api, marketplace):
    api.post("/merchants/m-1/shops", {"external_id": "s-2", "name": "Other"})
    status, body = api.post("/orders", order_body(shop="s-2"))
    assert status == 422 and body["code"] == "listing_not_in_shop"
    assert not Order.objects.exists()


def test_price_changes_are_kept_as_history(api, marketplace):
    api.patch("/listings/l-1", {"price": "49.00"})
    api.patch("/listings/l-1", {"title": "纯棉T恤 白色"})
    status, history = api.get("/listings/l-1/price-history")
    assert status == 200
    assert [(h["old_price"], h["new_price"]) for h in history] == [
        (None, "59.00"),
        ("59.00", "49.00"),
    ]

"""Who may ask for what: the seven-day window in the marketplace's time zone, exemptions, warranty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_aftersales_support import delivered_order, shop

__all__ = ["shop"]

# Delivered at 23:30 in Shanghai on 3 May (15:30 UTC): days one to seven are 4–10 May, local time.
DELIVERED = datetime(2025, 5, 3, 15, 30, tzinfo=UTC)
LAST_INSTANT = datetime(2025, 5, 10, 15, 59, 59, tzinfo=UTC)  # 23:59:59 on 10 May in Shanghai


def _ask(api, order, at, index=0, kind="return_refund", reason="no_reason"):
    body = {
        "order": order["external_id"],
        "item": order["items"][index]["id"],
        "shopper": "u-1",
        "kind": kind,
        "reason": reason,
        "at": at.isoformat(),
    }
    return api.post("/aftersales/cases", body)


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (LAST_INSTANT, True),
        (LAST_INSTANT + timedelta(seconds=1), False),
        (DELIVERED + timedelta(hours=1), True),
    ],
)
def test_seven_days_count_from_the_day_after_delivery_in_local_time(shop, at, allowed):
    order = delivered_order(shop, delivered_at=DELIVERED)
    status, body = _ask(shop, order, at)
    if allowed:
        assert status == 201, body
    else:
        assert status == 422 and body["code"] == "window_passed"
        assert "2025-05-10" in body["message"]


def test_exempt_categories_refuse_no_reason_returns_but_accept_quality_claims(shop):
    category = {"code": "fresh", "name_en": "Fresh food", "name_zh": "生鲜", "no_reason_return": False}
    assert shop.post("/categories", category)[0] == 201
    listing = {
        "external_id": "l-3",
        "shop": "s-1",
        "title": "Lychees 2 kg",
        "category": "fresh",
        "price": "88.00",
    }
    assert shop.post("/listings", listing)[0] == 201
    order = delivered_order(shop, items=[{"listing": "l-3", "quantity": 1}])
    status, body = _ask(shop, order, datetime.now(UTC))
    assert status == 422 and body["code"] == "exempt_category" and "Fresh food" in body["message"]
    status, body = _ask(shop, order, datetime.now(UTC), kind="refund_only", reason="quality")
    assert status == 201


def test_items_confirmed_non_returnable_at_purchase_are_exempt(shop):
    items = [{"listing": "l-1", "quantity": 1, "non_returnable_confirmed": True}]
    order = delivered_order(shop, items=items)
    status, body = _ask(shop, order, datetime.now(UTC))
    assert status == 422 and body["code"] == "confirmed_non_returnable"


def test_quality_claims_run_for_the_warranty(shop):
    delivered = datetime.now(UTC) - timedelta(days=200)
    order = delivered_order(shop, delivered_at=delivered)
    # Earbuds carry 365 days of warranty: a repair is still possible, a no-reason return is not.
    assert _ask(shop, order, datetime.now(UTC), index=1, kind="repair", reason="quality")[0] == 201
    status, body = _ask(shop, order, datetime.now(UTC), index=0, kind="exchange", reason="quality")
    assert status == 422 and body["code"] == "warranty_expired"
    status, body = _ask(shop, order, datetime.now(UTC), index=0, kind="repair", reason="quality")
    assert status == 422 and body["code"] == "no_warranty"


def test_orders_not_delivered_or_not_paid(shop):
    from conftest import order_body

    assert shop.post("/orders", order_body("o-unpaid"))[0] == 201
    status, order = shop.get("/orders/o-unpaid")
    status, body = _ask(shop, order, datetime.now(UTC))
    assert status == 422 and body["code"] == "not_paid"
    total = order["total_amount"]
    shop.post("/orders/o-unpaid/payments", {"external_id": "p-9", "amount": total, "method": "card"})
    status, body = _ask(shop, order, datetime.now(UTC))
    assert status == 422 and body["code"] == "not_delivered"
    status, body = _ask(shop, order, datetime.now(UTC), kind="refund_only", reason="not_received")
    assert status == 201


def test_reason_must_fit_the_kind_and_the_eligibility_endpoint_explains(shop):
    order = delivered_order(shop)
    status, body = _ask(shop, order, datetime.now(UTC), kind="repair", reason="no_reason")
    assert status == 422 and body["code"] == "reason_not_allowed"
    item = order["items"][0]["id"]
    status, verdict = shop.get(
        f"/aftersales/eligibility?order=o-1&item={item}&kind=refund_only&reason=not_received"
    )
    assert status == 200 and verdict["eligible"] is False and verdict["code"] == "already_delivered"

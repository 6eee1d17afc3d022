"""Malformed after-sales requests are refused with {code, message} and leave nothing behind."""

from __future__ import annotations

import pytest
from test_aftersales_support import delivered_order, merchant, open_case, shop

from trustdesk.aftersales.models import Case, CaseEvent, Deadline, Refund
from trustdesk.notifications.models import Notification

__all__ = ["shop"]


def _counts():
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Deadline.objects.count(),
        Refund.objects.count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "refund_twice"},
        {"reason": "because"},
        {"quantity": 0},
        {"amount": "-5.00"},
        {"amount": "1.234"},
        {"item": "first"},
        {"surprise": "unknown fields are refused"},
        {"description": "x" * 5001},
    ],
)
def test_malformed_open_requests_are_refused_with_a_code_and_change_nothing(shop, change):
    order = delivered_order(shop)
    before = _counts()
    payload = {
        "order": "o-1",
        "item": order["items"][0]["id"],
        "shopper": "u-1",
        "kind": "return_refund",
        "reason": "no_reason",
        **change,
    }
    status, body = shop.post("/aftersales/cases", payload)
    assert 400 <= status < 500, body
    assert set(body) >= {"code", "message"} and body["message"]
    assert _counts() == before


def test_unknown_orders_items_cases_and_refunds_are_404(shop):
    order = delivered_order(shop)
    before = _counts()
    base = {"order": "o-1", "item": order["items"][0]["id"], "shopper": "u-1", "kind": "exchange"}
    for payload in (
        {**base, "order": "o-missing", "reason": "quality"},
        {**base, "item": 999999, "reason": "quality"},
        {**base, "shopper": "u-missing", "reason": "quality"},
    ):
        status, body = shop.post("/aftersales/cases", payload)
        assert status == 404 and body["code"] == "not_found", body
    assert shop.post("/aftersales/cases/999999/approval", merchant)[0] == 404
    assert shop.post("/aftersales/refunds/999999/payment", merchant)[0] == 404
    assert _counts() == before


def test_broken_json_and_actions_without_a_reason_are_refused(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order)["id"]
    before = _counts()
    status, body = shop.post(f"/aftersales/cases/{cid}/rejection", raw="{not json")
    assert 400 <= status < 500 and body["code"]
    status, body = shop.post(f"/aftersales/cases/{cid}/rejection", {**merchant, "reason": ""})
    assert 400 <= status < 500 and body["code"]
    status, body = shop.post(f"/aftersales/cases/{cid}/rejection", {**merchant, "reason": "   "})
    assert status == 422 and body["code"] and "reason" in body["message"]
    assert _counts() == before

"""After-sales requests through the API: the normal paths, deadlines acting by themselves, bad input."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from test_aftersales_support import (
    case_status,
    delivered_order,
    merchant,
    open_case,
    open_deadlines,
    run_due,
    shop,
    shopper,
)

from trustdesk.aftersales.models import (
    CaseEvent,
    Deadline,
    DeadlineState,
    DepositDeduction,
    Refund,
    RefundEvent,
    Survey,
)
from trustdesk.audit.models import AuditEvent
from trustdesk.merchants.models import Merchant
from trustdesk.notifications.models import Notification

__all__ = ["shop"]


def _state(case_id):
    return case_status(case_id), CaseEvent.objects.filter(case_id=case_id).count(), Refund.objects.count()


def test_return_and_refund_end_to_end(shop):
    order = delivered_order(shop)
    case = open_case(shop, order)
    cid = case["id"]
    assert case["status"] == "awaiting_merchant"
    assert case["requested_amount"] == "118.00"  # two T-shirts at 59.00
    assert [d["kind"] for d in case["deadlines"]] == ["merchant_response"]

    status, case = shop.post(f"/aftersales/cases/{cid}/approval", {**merchant, "note": "ok, send it back"})
    assert status == 200 and case["status"] == "awaiting_return"
    states = {d["kind"]: d["state"] for d in case["deadlines"]}
    assert states == {"merchant_response": "achieved", "shopper_ship": "open"}
    assert case["first_response_at"] is not None

    body = {**shopper, "carrier": "SF", "tracking_number": "SF123"}
    assert shop.post(f"/aftersales/cases/{cid}/return-shipment", body)[1]["status"] == "return_shipped"
    assert shop.post(f"/aftersales/cases/{cid}/return-delivery", {})[1]["status"] == "return_delivered"
    status, case = shop.post(f"/aftersales/cases/{cid}/receipt", merchant)
    assert case["status"] == "refunding"
    [refund] = case["refunds"]
    assert refund["status"] == "pending" and refund["amount"] == "118.00"

    status, paid = shop.post(f"/aftersales/refunds/{refund['id']}/payment", {**merchant, "reference": "R1"})
    assert status == 200 and paid["status"] == "paid" and paid["payer"] == "merchant"
    status, case = shop.get(f"/aftersales/cases/{cid}")
    assert case["status"] == "resolved" and case["resolution"] == "refunded"
    assert Survey.objects.filter(case_id=cid, answered_at__isnull=True).exists()
    status, case = shop.post(f"/aftersales/cases/{cid}/survey", {**shopper, "score": 5})
    assert status == 200

    trail = list(CaseEvent.objects.filter(case_id=cid).values_list("from_state", "to_state"))
    assert trail == [
        ("", "awaiting_merchant"),
        ("awaiting_merchant", "awaiting_return"),
        ("awaiting_return", "return_shipped"),
        ("return_shipped", "return_delivered"),
        ("return_delivered", "refunding"),
        ("refunding", "resolved"),
    ]
    assert Notification.objects.filter(kind="aftersales.case.resolved").count() == 2  # shopper and merchant


def test_silent_merchant_is_taken_as_approval_exactly_once(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order)["id"]
    [deadline] = open_deadlines(cid)
    assert deadline.due_at - deadline.started_at == timedelta(hours=48)
    assert run_due(deadline.due_at - timedelta(seconds=1)) == 0
    assert run_due(deadline.due_at) == 1
    assert case_status(cid) == "awaiting_return"
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.BREACHED and deadline.breached_at == deadline.due_at
    event = CaseEvent.objects.filter(case_id=cid).last()
    assert event.actor_kind == "system" and "deadline passed" in event.reason
    assert run_due(deadline.due_at + timedelta(hours=1)) == 0
    assert CaseEvent.objects.filter(case_id=cid).count() == 2


def test_shopper_who_never_ships_loses_the_request(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order)["id"]
    shop.post(f"/aftersales/cases/{cid}/approval", merchant)
    [ship] = open_deadlines(cid)
    assert ship.kind == "shopper_ship" and ship.due_at - ship.started_at == timedelta(days=7)
    assert run_due(ship.due_at + timedelta(minutes=1)) == 1
    _, case = shop.get(f"/aftersales/cases/{cid}")
    assert case["status"] == "closed" and case["resolution"] == "lapsed"


def test_unconfirmed_receipt_refunds_and_unpaid_refund_is_advanced_from_the_deposit(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order)["id"]
    shop.post(f"/aftersales/cases/{cid}/approval", merchant)
    shop.post(
        f"/aftersales/cases/{cid}/return-shipment", {**shopper, "carrier": "SF", "tracking_number": "1"}
    )
    delivered = timezone.now()
    shop.post(f"/aftersales/cases/{cid}/return-delivery", {"at": delivered.isoformat()})
    [receipt] = open_deadlines(cid)
    assert receipt.kind == "merchant_receipt" and receipt.due_at == delivered + timedelta(days=10)

    assert run_due(receipt.due_at) == 1
    assert case_status(cid) == "refunding"
    refund = Refund.objects.get(case_id=cid)
    assert refund.status == "pending" and refund.due_at == receipt.due_at + timedelta(days=7)

    assert run_due(refund.due_at) == 1
    refund.refresh_from_db()
    assert refund.status == "paid" and refund.payer == "platform"
    deduction = DepositDeduction.objects.get(refund=refund)
    assert deduction.amount == Decimal("118.00") and deduction.shortfall == 0
    assert Merchant.objects.get(external_id="m-1").deposit_amount == Decimal("4882.00")
    assert case_status(cid) == "resolved"
    assert AuditEvent.objects.filter(action="aftersales.advance_compensation").count() == 1
    assert run_due(refund.due_at + timedelta(days=1)) == 0
    assert DepositDeduction.objects.count() == 1


def test_the_merchant_clock_pauses_while_waiting_on_the_shopper(shop):
    order = delivered_order(shop)
    start = timezone.now()
    cid = open_case(shop, order, at=start.isoformat())["id"]
    asked = start + timedelta(hours=10)
    body = {**merchant, "body": "Which size did you order?", "at": asked.isoformat()}
    assert shop.post(f"/aftersales/cases/{cid}/questions", body)[1]["status"] == "awaiting_shopper"
    paused = Deadline.objects.get(case_id=cid, kind="merchant_response")
    assert paused.state == "paused" and paused.remaining_seconds == 38 * 3600
    # Two days later the merchant's original deadline has passed, but its clock was stopped.
    assert run_due(start + timedelta(days=3)) == 0
    answered = start + timedelta(days=5)
    body = {**shopper, "body": "Size M", "at": answered.isoformat()}
    assert shop.post(f"/aftersales/cases/{cid}/messages", body)[1]["status"] == "awaiting_merchant"
    paused.refresh_from_db()
    assert paused.state == "open" and paused.due_at == answered + timedelta(hours=38)


def test_refund_only_with_a_partial_amount(shop):
    order = delivered_order(shop)
    case = open_case(shop, order, 1, kind="refund_only", reason="not_as_described", amount="50.00")
    assert case["requested_amount"] == "50.00"
    _, case = shop.post(f"/aftersales/cases/{case['id']}/approval", merchant)
    assert case["status"] == "refunding" and case["refunds"][0]["amount"] == "50.00"


def test_refunding_twice_is_refused_and_changes_nothing(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order, kind="refund_only", reason="quality")["id"]
    shop.post(f"/aftersales/cases/{cid}/approval", merchant)
    refund = Refund.objects.get(case_id=cid)
    assert shop.post(f"/aftersales/refunds/{refund.pk}/payment", merchant)[0] == 200
    before = (_state(cid), RefundEvent.objects.count())
    status, body = shop.post(f"/aftersales/refunds/{refund.pk}/payment", merchant)
    assert status == 409 and body["code"] == "invalid_transition"
    assert "'paid' and cannot move to 'paid'" in body["message"]
    assert (_state(cid), RefundEvent.objects.count()) == before


def test_refunding_more_than_was_paid_is_refused(shop):
    order = delivered_order(shop)
    item = order["items"][0]
    payload = {
        "order": "o-1",
        "item": item["id"],
        "shopper": "u-1",
        "kind": "refund_only",
        "reason": "quality",
        "quantity": 2,
        "amount": "118.01",
    }
    status, body = shop.post("/aftersales/cases", payload)
    assert status == 422 and body["code"] == "refund_exceeds_paid" and "118.00" in body["message"]
    payload["amount"] = "100.00"
    cid = shop.post("/aftersales/cases", payload)[1]["id"]
    shop.post(f"/aftersales/cases/{cid}/approval", merchant)
    shop.post(f"/aftersales/refunds/{Refund.objects.get().pk}/payment", merchant)
    # A second request on the same item can claim only what is left.
    payload["amount"] = "18.01"
    status, body = shop.post("/aftersales/cases", payload)
    assert status == 422 and body["code"] == "refund_exceeds_paid"
    assert Refund.objects.count() == 1


def test_acting_after_closing_is_refused(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order)["id"]
    assert shop.post(f"/aftersales/cases/{cid}/withdrawal", shopper)[1]["resolution"] == "withdrawn"
    before = _state(cid)
    status, body = shop.post(f"/aftersales/cases/{cid}/approval", merchant)
    assert status == 409 and "closed" in body["message"]
    status, body = shop.post(f"/aftersales/cases/{cid}/escalation", {**shopper, "reason": "late"})
    assert status == 409
    assert _state(cid) == before
    assert not open_deadlines(cid)


def test_the_wrong_party_is_refused(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order)["id"]
    before = _state(cid)
    status, body = shop.post(f"/aftersales/cases/{cid}/approval", {**shopper, "note": "approve my own"})
    assert status == 403 and body["code"] == "wrong_party" and "merchant" in body["message"]
    other = {"external_id": "u-2", "display_name": "Han Meimei"}
    assert shop.post("/shoppers", other)[0] == 201
    status, body = shop.post(f"/aftersales/cases/{cid}/withdrawal", {"party": "shopper", "party_id": "u-2"})
    assert status == 403 and body["code"] == "wrong_party"
    payload = {
        "order": "o-1",
        "item": order["items"][0]["id"],
        "shopper": "u-2",
        "kind": "return_refund",
        "reason": "no_reason",
    }
    status, body = shop.post("/aftersales/cases", payload)
    assert status == 403
    assert _state(cid) == before


def test_a_second_open_request_on_the_same_item_is_refused(shop):
    order = delivered_order(shop)
    first = open_case(shop, order)
    payload = {
        "order": "o-1",
        "item": order["items"][0]["id"],
        "shopper": "u-1",
        "kind": "exchange",
        "reason": "quality",
    }
    status, body = shop.post("/aftersales/cases", payload)
    assert status == 422 and body["code"] == "already_open" and first["number"] in body["message"]


def test_exchange_is_resolved_when_the_replacement_ships(shop):
    order = delivered_order(shop)
    cid = open_case(shop, order, kind="exchange", reason="wrong_item")["id"]
    shop.post(f"/aftersales/cases/{cid}/approval", merchant)
    shop.post(
        f"/aftersales/cases/{cid}/return-shipment", {**shopper, "carrier": "SF", "tracking_number": "9"}
    )
    status, _ = shop.post(f"/aftersales/cases/{cid}/receipt", merchant)
    assert status == 422  # a replacement needs its tracking number
    status, case = shop.post(f"/aftersales/cases/{cid}/receipt", {**merchant, "replacement_tracking": "YT1"})
    assert case["status"] == "resolved" and case["resolution"] == "exchanged" and case["refunds"] == []
    status, case = shop.post(f"/aftersales/cases/{cid}/reopening", {**shopper, "reason": "same fault again"})
    assert case["status"] == "awaiting_merchant" and case["reopen_count"] == 1

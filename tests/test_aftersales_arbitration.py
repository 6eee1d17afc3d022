"""Platform intervention: escalation, evidence windows, decisions, one appeal, advance compensation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from test_aftersales_support import (
    delivered_order,
    merchant,
    open_case,
    open_deadlines,
    run_due,
    shop,
    shopper,
)

from trustdesk.aftersales.models import Decision, DepositDeduction, Refund
from trustdesk.audit.models import AuditEvent
from trustdesk.core.errors import ValidationFailed
from trustdesk.merchants.models import Merchant

__all__ = ["shop"]


def _rejected_and_escalated(api):
    order = delivered_order(api)
    cid = open_case(api, order, kind="refund_only", reason="not_as_described")["id"]
    status, body = api.post(f"/aftersales/cases/{cid}/escalation", {**shopper, "reason": "no answer"})
    assert status == 409 and body["code"] == "too_early"
    api.post(f"/aftersales/cases/{cid}/rejection", {**merchant, "reason": "used item"})
    status, case = api.post(f"/aftersales/cases/{cid}/escalation", {**shopper, "reason": "it was faulty"})
    assert status == 200 and case["status"] == "escalated"
    return cid


def test_partial_award_appeal_once_and_final_decision(shop, api_client):
    arbiter = api_client("aftersales:arbitrate")
    cid = _rejected_and_escalated(shop)
    status, case = arbiter.post(f"/aftersales/cases/{cid}/evidence-request", {"note": "photos please"})
    assert case["status"] == "awaiting_evidence"
    [window] = [d for d in case["deadlines"] if d["state"] == "open"]
    assert window["kind"] == "evidence"
    shop.post(f"/aftersales/cases/{cid}/statements", {**shopper, "body": "seam split on day 2"})
    status, case = shop.post(f"/aftersales/cases/{cid}/statements", {**merchant, "body": "worn"})
    assert case["status"] == "under_review"

    status, body = arbiter.post(
        f"/aftersales/cases/{cid}/decision", {"outcome": "partial_refund", "amount": "200.00", "reason": "x"}
    )
    assert status == 422 and body["code"] == "invalid_amount"
    decision = {"outcome": "partial_refund", "amount": "60.00", "reason": "defect shown, item was worn"}
    status, case = arbiter.post(f"/aftersales/cases/{cid}/decision", decision)
    assert status == 200 and case["status"] == "decided" and case["resolution"] == "partially_refunded"
    assert [r["amount"] for r in case["refunds"]] == ["60.00"]
    assert {d["kind"] for d in case["deadlines"] if d["state"] == "open"} == {"appeal", "refund"}

    status, case = shop.post(f"/aftersales/cases/{cid}/appeal", {**shopper, "reason": "should be full"})
    assert case["status"] == "under_review" and case["appeal_count"] == 1
    status, case = arbiter.post(
        f"/aftersales/cases/{cid}/decision",
        {"outcome": "full_refund", "reason": "on appeal: seam defect is original"},
    )
    assert case["status"] == "closed" and case["resolution"] == "refunded"
    amounts = sorted((r["status"], r["amount"]) for r in case["refunds"])
    assert amounts == [("cancelled", "60.00"), ("pending", "118.00")]
    status, body = shop.post(f"/aftersales/cases/{cid}/appeal", {**merchant, "reason": "again"})
    assert status == 409 and body["code"] == "already_appealed"
    assert Decision.objects.filter(case_id=cid).count() == 2
    assert AuditEvent.objects.filter(action="aftersales.decided").count() == 2


def test_unpaid_award_is_advanced_and_taken_from_the_deposit(shop, api_client):
    arbiter = api_client("aftersales:arbitrate")
    cid = _rejected_and_escalated(shop)
    Merchant.objects.filter(external_id="m-1").update(deposit_amount=Decimal("30.00"))
    arbiter.post(
        f"/aftersales/cases/{cid}/decision",
        {"outcome": "partial_refund", "amount": "80.00", "reason": "half"},
    )
    refund = Refund.objects.get(case_id=cid)
    assert run_due(refund.due_at) == 1
    refund.refresh_from_db()
    assert refund.payer == "platform" and refund.status == "paid"
    deduction = DepositDeduction.objects.get(refund=refund)
    assert (deduction.amount, deduction.shortfall) == (Decimal("30.00"), Decimal("50.00"))
    assert Merchant.objects.get(external_id="m-1").deposit_amount == Decimal("0.00")
    # The appeal window later closes the case by itself.
    [appeal] = open_deadlines(cid)
    assert appeal.kind == "appeal" and appeal.due_at - appeal.started_at == timedelta(days=30)
    assert run_due(appeal.due_at) == 1
    _, case = shop.get(f"/aftersales/cases/{cid}")
    assert case["status"] == "closed"


def test_decisions_need_a_reason_and_an_arbitrator(shop, api_client):
    arbiter = api_client("aftersales:arbitrate")
    cid = _rejected_and_escalated(shop)
    status, body = arbiter.post(f"/aftersales/cases/{cid}/decision", {"outcome": "reject", "reason": " "})
    assert status == 422
    writer = api_client("aftersales:write")
    status, body = writer.post(f"/aftersales/cases/{cid}/decision", {"outcome": "reject", "reason": "no"})
    assert status == 403 and body["code"] == "missing_scope"
    status, case = arbiter.post(f"/aftersales/cases/{cid}/decision", {"outcome": "reject", "reason": "worn"})
    assert case["resolution"] == "rejected" and case["refunds"] == []


def test_evidence_window_closes_by_itself(shop, api_client):
    arbiter = api_client("aftersales:arbitrate")
    cid = _rejected_and_escalated(shop)
    arbiter.post(f"/aftersales/cases/{cid}/evidence-request", {})
    [window] = open_deadlines(cid)
    assert window.due_at - window.started_at == timedelta(hours=72)
    assert run_due(window.due_at) == 1
    _, case = shop.get(f"/aftersales/cases/{cid}")
    assert case["status"] == "under_review"


def test_the_merchant_can_escalate_too_and_the_desk_reassigns(shop, make_user):
    from trustdesk.aftersales import desk
    from trustdesk.aftersales.models import Case, Team
    from trustdesk.core.actors import Actor

    disputes = Team.objects.create(code="disputes", name="Disputes", kinds=["escalated"])
    seniors = Team.objects.create(code="seniors", name="Seniors", kinds=[])
    first, second = make_user("agent-a", "agent"), make_user("agent-b", "agent")
    disputes.members.add(first)
    seniors.members.add(second)
    order = delivered_order(shop)
    cid = open_case(shop, order)["id"]
    shop.post(f"/aftersales/cases/{cid}/approval", merchant)
    body = {**shopper, "carrier": "SF", "tracking_number": "SF9"}
    shop.post(f"/aftersales/cases/{cid}/return-shipment", body)
    shop.post(f"/aftersales/cases/{cid}/return-delivery", {})
    # The return came back worn: the merchant asks the platform instead of refunding.
    status, case = shop.post(f"/aftersales/cases/{cid}/escalation", {**merchant, "reason": "returned worn"})
    assert status == 200 and case["status"] == "escalated"
    assert {d["kind"] for d in case["deadlines"] if d["state"] == "open"} == {"first_response"}
    row = Case.objects.get(pk=cid)
    assert row.team == disputes and row.escalated_at is not None

    desk.do_assign(row, agent=first, actor=Actor.system("lead"))
    with pytest.raises(ValidationFailed) as refused:  # the agent is not in the case's team
        desk.do_assign(row, agent=second, actor=Actor.system("lead"))
    assert refused.value.code == "not_in_team"
    desk.do_assign(row, agent=second, actor=Actor.system("lead"), team=seniors)
    row.refresh_from_db()
    assert (row.team, row.assigned_agent) == (seniors, second)
    moves = AuditEvent.objects.filter(action="aftersales.assigned", target_id=str(cid)).order_by("id")
    assert [m.details["previous"] for m in moves] == [None, first.pk]

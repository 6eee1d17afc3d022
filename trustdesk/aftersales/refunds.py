"""Refunds: owed, paid by the merchant, or advanced by the platform and recovered from the deposit.

The ceiling is checked under a lock on the order item, so two requests racing to refund the same item
can never together exceed what the shopper paid for it. A refund moves `pending → paid` exactly once
through the state machine; the deposit deduction is unique per refund.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from trustdesk.aftersales.eligibility import refundable_left
from trustdesk.aftersales.flow import announce, open_deadline
from trustdesk.aftersales.models import (
    Case,
    CaseStatus,
    Deadline,
    DeadlineKind,
    DeadlineState,
    DepositDeduction,
    Party,
    Refund,
    RefundEvent,
    RefundStatus,
    Resolution,
)
from trustdesk.audit import services as audit
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Forbidden, ValidationFailed
from trustdesk.core.money import to_amount
from trustdesk.core.statemachine import StateMachine
from trustdesk.merchants.models import Merchant
from trustdesk.orders.models import OrderItem

R = RefundStatus
REFUND_FLOW: StateMachine[RefundEvent] = StateMachine(
    field="status",
    transitions={R.PENDING: {R.PAID, R.CANCELLED}, R.PAID: set(), R.CANCELLED: set()},
    event_model=RefundEvent,
    subject_field="refund",
)
PLATFORM = Actor.system("platform")


def _lock_item(item_id: int) -> OrderItem:
    # PostgreSQL: a row lock. SQLite: the IMMEDIATE transaction already holds the database's write lock.
    return OrderItem.objects.select_for_update().get(pk=item_id)


def refunded_for_case(case: Case, *statuses: str) -> Decimal:
    rows = Refund.objects.filter(case=case, status__in=statuses or (R.PENDING, R.PAID))
    return rows.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def create_refund(case: Case, amount: Decimal, *, actor: Actor, reason: str, now: datetime) -> Refund:
    amount = to_amount(amount)
    if amount <= 0:
        raise ValidationFailed("a refund must be a positive amount", code="invalid_amount")
    with transaction.atomic():
        item = _lock_item(case.order_item_id)
        left = refundable_left(item)
        if amount > left:
            raise ValidationFailed(
                f"refunding {amount} {case.currency} would exceed what was paid for this item: "
                f"{left} {case.currency} is left of {item.amount}",
                code="refund_exceeds_paid",
            )
        refund = Refund.objects.create(
            case=case,
            order_item=item,
            amount=amount,
            currency=case.currency,
            reason=reason[:200],
            created_at=now,
            due_at=now + timedelta(days=case.policy.refund_days),
        )
        REFUND_FLOW.record_initial(refund, actor, reason)
        open_deadline(case, DeadlineKind.REFUND, Party.MERCHANT, refund.due_at, now, refund=refund)
        announce(
            case,
            "refund.owed",
            f"{case.number}: refund of {amount} {case.currency} owed",
            {"refund": refund.pk, "amount": amount, "currency": case.currency},
            f"refund-{refund.pk}-owed",
        )
    return refund


def _after_payment(refund: Refund, now: datetime, actor: Actor) -> None:
    from trustdesk.aftersales.flow import transition

    case = Case.objects.select_related("order", "shopper", "merchant", "policy").get(pk=refund.case_id)
    if (
        case.status == CaseStatus.REFUNDING
        and not Refund.objects.filter(case=case, status=R.PENDING).exists()
    ):
        paid = refunded_for_case(case, R.PAID)
        full = paid >= case.requested_amount
        resolution = Resolution.REFUNDED if full else Resolution.PARTIALLY_REFUNDED
        transition(
            case,
            CaseStatus.RESOLVED,
            party=Party.SYSTEM,
            actor=actor,
            now=now,
            reason="refund paid",
            extra={"resolution": resolution},
        )
    announce(
        case,
        "refund.paid",
        f"{case.number}: refund of {refund.amount} {refund.currency} paid",
        {"refund": refund.pk, "amount": refund.amount, "payer": refund.payer},
        f"refund-{refund.pk}-paid",
    )


def do_mark_refund_paid(
    refund: Refund, *, merchant: Merchant, actor: Actor, reference: str = "", now: datetime | None = None
) -> Refund:
    """The merchant reports that it paid the refund (the marketplace moved the money)."""
    now = now or timezone.now()
    if refund.case.merchant_id != merchant.pk:
        raise Forbidden("only the merchant who sold the item can report its refund paid", code="wrong_party")
    with transaction.atomic():
        REFUND_FLOW.move(
            refund,
            R.PAID.value,
            actor=actor,
            reason="paid by the merchant",
            extra_updates={"payer": Party.MERCHANT, "paid_at": now, "reference": reference[:64]},
        )
        Deadline.objects.filter(refund=refund, state=DeadlineState.OPEN).update(
            state=DeadlineState.ACHIEVED, achieved_at=now
        )
        _after_payment(refund, now, actor)
    return refund


def advance_compensation(refund: Refund, now: datetime) -> Refund:
    """先行赔付: the merchant let the refund lapse, so the platform pays and takes it from the deposit."""
    with transaction.atomic():
        REFUND_FLOW.move(
            refund,
            R.PAID.value,
            actor=PLATFORM,
            reason="merchant did not pay in time",
            extra_updates={"payer": Party.PLATFORM, "paid_at": now},
        )
        merchant = Merchant.objects.select_for_update().get(pk=refund.case.merchant_id)
        taken = min(max(merchant.deposit_amount, Decimal("0")), refund.amount)
        Merchant.objects.filter(pk=merchant.pk).update(deposit_amount=F("deposit_amount") - taken)
        DepositDeduction.objects.create(
            merchant=merchant,
            refund=refund,
            amount=taken,
            shortfall=refund.amount - taken,
            currency=refund.currency,
            at=now,
        )
        audit.record(
            PLATFORM,
            "aftersales.advance_compensation",
            target=refund,
            details={"amount": str(refund.amount), "from_deposit": str(taken), "merchant": merchant.pk},
        )
        _after_payment(refund, now, PLATFORM)
    return refund


def cancel_pending(case: Case, *, actor: Actor, reason: str, now: datetime) -> Decimal:
    cancelled = Decimal("0")
    for refund in Refund.objects.filter(case=case, status=R.PENDING):
        REFUND_FLOW.move(refund, R.CANCELLED.value, actor=actor, reason=reason)
        Deadline.objects.filter(refund=refund, state=DeadlineState.OPEN).update(
            state=DeadlineState.CANCELLED, cancelled_at=now
        )
        cancelled += refund.amount
    return cancelled

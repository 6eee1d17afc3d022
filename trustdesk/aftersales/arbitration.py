"""Platform intervention: evidence from both sides, the arbitrator's decision, one appeal.

A decision states the total the shopper gets back on this case. Raising it adds a refund for the
difference; lowering it cancels refunds not yet paid, and can never go below what was already paid.
The first decision can be appealed once by either side within the policy's window; the appeal's
decision is final and closes the case.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from trustdesk.aftersales import refunds
from trustdesk.aftersales.eligibility import refundable_left
from trustdesk.aftersales.flow import transition
from trustdesk.aftersales.models import Case, CaseStatus, Decision, Outcome, Party, Resolution, Statement
from trustdesk.aftersales.services import Who, require, require_open
from trustdesk.audit import services as audit
from trustdesk.core.errors import InvalidTransition, ValidationFailed
from trustdesk.core.money import to_amount

S = CaseStatus
DECIDABLE = (S.ESCALATED, S.AWAITING_EVIDENCE, S.UNDER_REVIEW)


def do_request_evidence(case: Case, *, who: Who, note: str = "", now: datetime | None = None) -> Case:
    require(case, who, Party.ARBITRATOR, doing="ask for evidence")
    transition(
        case,
        S.AWAITING_EVIDENCE,
        party=who.party,
        actor=who.actor,
        now=now or timezone.now(),
        reason=note or "both sides: please submit your evidence",
    )
    return case


def do_submit_statement(case: Case, *, who: Who, body: str, now: datetime | None = None) -> Statement:
    require(case, who, Party.SHOPPER, Party.MERCHANT, doing="submit evidence")
    if case.status not in (S.ESCALATED, S.AWAITING_EVIDENCE, S.UNDER_REVIEW):
        raise InvalidTransition(f"{case.number} is {case.status}; evidence is taken only during arbitration")
    if not body.strip():
        raise ValidationFailed("the statement is empty")
    now = now or timezone.now()
    with transaction.atomic():
        statement = Statement.objects.create(case=case, party=who.party, body=body.strip(), at=now)
        if case.status == S.AWAITING_EVIDENCE:
            window = case.events.filter(to_state=S.AWAITING_EVIDENCE).order_by("-at", "-id").first()
            since = window.at if window else case.opened_at
            sides = set(Statement.objects.filter(case=case, at__gte=since).values_list("party", flat=True))
            if {Party.SHOPPER, Party.MERCHANT} <= sides:
                transition(
                    case,
                    S.UNDER_REVIEW,
                    party=Party.PLATFORM,
                    actor=who.actor,
                    now=now,
                    reason="both sides submitted evidence",
                )
    return statement


def full_award(case: Case) -> Decimal:
    already = refunds.refunded_for_case(case)
    return min(case.requested_amount or case.order_item.amount, already + refundable_left(case.order_item))


def do_decide(
    case: Case,
    *,
    who: Who,
    outcome: str,
    reason: str,
    amount: Decimal | None = None,
    now: datetime | None = None,
) -> Decision:
    require(case, who, Party.ARBITRATOR, doing="decide a dispute")
    require_open(case, "decide it")
    if case.status not in DECIDABLE:
        raise InvalidTransition(f"{case.number} is {case.status}; only an escalated case can be decided")
    if not reason.strip():
        raise ValidationFailed(
            "a decision needs a written reason; both sides will read it", code="reason_required"
        )
    now = now or timezone.now()
    ceiling = full_award(case)
    if outcome == Outcome.FULL_REFUND:
        award = ceiling
    elif outcome == Outcome.PARTIAL_REFUND:
        award = to_amount(amount if amount is not None else 0)
        if not Decimal("0") < award < ceiling:
            raise ValidationFailed(
                f"a partial refund must be above 0 and below the full {ceiling} {case.currency}",
                code="invalid_amount",
            )
    elif outcome == Outcome.REJECT:
        award = Decimal("0")
    else:
        raise ValidationFailed(f"unknown outcome {outcome!r}; use one of {', '.join(Outcome.values)}")
    on_appeal = case.appeal_count > 0
    with transaction.atomic():
        paid = refunds.refunded_for_case(case, "paid")
        if award < paid:
            raise ValidationFailed(
                f"{paid} {case.currency} has already been paid on this case; the award cannot be lower",
                code="below_paid",
            )
        refunds.cancel_pending(case, actor=who.actor, reason="replaced by the arbitrator's decision", now=now)
        decision = Decision.objects.create(
            case=case,
            outcome=outcome,
            amount=award,
            currency=case.currency,
            reason=reason.strip(),
            on_appeal=on_appeal,
            decided_by=who.actor.label,
            decided_at=now,
        )
        resolution = {
            Outcome.FULL_REFUND: Resolution.REFUNDED,
            Outcome.PARTIAL_REFUND: Resolution.PARTIALLY_REFUNDED,
            Outcome.REJECT: Resolution.REJECTED,
        }[Outcome(outcome)]
        target = S.CLOSED if on_appeal else S.DECIDED
        transition(
            case,
            target,
            party=who.party,
            actor=who.actor,
            now=now,
            reason=reason,
            data={"outcome": outcome, "amount": str(award), "decision": decision.pk},
            extra={"resolution": resolution},
        )
        if award > paid:
            refunds.create_refund(case, award - paid, actor=who.actor, reason=f"awarded: {outcome}", now=now)
        audit.record(
            who.actor,
            "aftersales.decided",
            target=case,
            reason=reason,
            details={"outcome": outcome, "amount": str(award), "on_appeal": on_appeal},
        )
    return decision


def do_appeal(case: Case, *, who: Who, reason: str, now: datetime | None = None) -> Case:
    require(case, who, Party.SHOPPER, Party.MERCHANT, doing="appeal the decision")
    if case.appeal_count:
        raise InvalidTransition(
            "this case was already appealed once; the appeal's decision is final", code="already_appealed"
        )
    if case.status != S.DECIDED:
        raise InvalidTransition(f"{case.number} is {case.status}; only a decided case can be appealed")
    if not reason.strip():
        raise ValidationFailed("say why the decision should be reviewed")
    transition(
        case,
        S.UNDER_REVIEW,
        party=who.party,
        actor=who.actor,
        now=now or timezone.now(),
        reason=f"appeal: {reason}",
        extra={"appeal_count": case.appeal_count + 1},
    )
    return case

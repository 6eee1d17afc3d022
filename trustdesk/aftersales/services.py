"""Actions of the two sides on an after-sales case: open, answer, ship, confirm, escalate, withdraw.

Each action checks who is acting (`Who`): a shopper may act only on their own cases, a merchant only on
cases against its own sales. The state machine refuses anything the current state does not allow, and
the refusal names the state and what is allowed next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from trustdesk.aftersales import desk, eligibility, refunds
from trustdesk.aftersales.assistant import classify
from trustdesk.aftersales.flow import transition
from trustdesk.aftersales.models import (
    Case,
    CaseKind,
    CaseStatus,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Message,
    Party,
    Resolution,
    Survey,
)
from trustdesk.aftersales.policies import policy_for
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from trustdesk.core.fields import EncryptedField
from trustdesk.core.money import to_amount
from trustdesk.orders.models import OrderItem

S = CaseStatus


@dataclass(frozen=True)
class Who:
    """The acting side and the identity it acts as."""

    party: str
    actor: Actor
    shopper_id: int | None = None
    merchant_id: int | None = None
    user_id: int | None = None


def without_pii(model: type[Model], prefix: str = "") -> list[str]:
    """Encrypted columns to `defer` when a hot path reads a row for its ids and states only."""
    return [f"{prefix}{f.name}" for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]


def require(case: Case, who: Who, *parties: str, doing: str) -> None:
    if who.party not in parties:
        sides = " or ".join(str(Party(p).label).lower() for p in parties)
        raise Forbidden(f"only the {sides} can {doing}", code="wrong_party")
    if who.party == Party.SHOPPER and who.shopper_id != case.shopper_id:
        raise Forbidden(f"only the shopper who opened {case.number} can {doing}", code="wrong_party")
    if who.party == Party.MERCHANT and who.merchant_id != case.merchant_id:
        raise Forbidden(f"only the merchant who sold this item can {doing}", code="wrong_party")


def require_open(case: Case, doing: str) -> None:
    if case.is_finished:
        raise InvalidTransition(f"{case.number} is {case.status}; nothing more can be done to {doing}")


def get_case(pk: int) -> Case:
    case = (
        Case.objects.select_related(
            "order", "order_item", "shopper", "merchant", "category", "policy", "team"
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound(f"no after-sales case {pk}")
    return case


def _message(case: Case, who: Who, body: str, now: datetime, internal: bool = False) -> Message | None:
    if not body.strip():
        return None
    return Message.objects.create(
        case=case,
        party=who.party,
        author_label=who.actor.label,
        author_user_id=who.user_id,
        body=body.strip(),
        internal=internal,
        at=now,
    )


def do_open_request(
    item: OrderItem,
    *,
    who: Who,
    kind: str,
    reason: str,
    description: str = "",
    quantity: int = 1,
    amount: Decimal | None = None,
    now: datetime | None = None,
    claims: eligibility.Claims | None = None,
    in_hand: bool = False,
) -> Case:
    """Open a request; `claims` may come with the item (`eligibility.with_claims`) to spare queries.

    With `in_hand` the case comes back with its deadlines and refunds filled in as `prefetch_related`
    would fill them (one deadline, no refund), so that an answer drawn from it needs no read-back. Only
    for a caller that answers at once and drops the case: later moves would leave those lists stale.
    """
    now = now or timezone.now()
    order = item.order
    if who.party != Party.SHOPPER or who.shopper_id != order.shopper_id:
        raise Forbidden("only the shopper who placed the order can open a request for it", code="wrong_party")
    verdict = eligibility.check(item, kind, reason, now, quantity, claims)
    if not verdict.eligible:
        raise ValidationFailed(verdict.message, code=verdict.code)
    pro_rata = to_amount(item.amount * quantity / item.quantity)
    requested = Decimal("0") if kind in (CaseKind.REPAIR, CaseKind.COMPLAINT) else pro_rata
    if amount is not None and kind not in (CaseKind.REPAIR, CaseKind.COMPLAINT):
        requested = to_amount(amount)
        most = min(pro_rata, eligibility.refundable_left(item, claims))
        if requested <= 0 or requested > most:
            raise ValidationFailed(
                f"the amount must be above 0 and at most {most} {order.currency} for {quantity} of this item",
                code="refund_exceeds_paid",
            )
    intent, language = classify(description)
    # Read before the write transaction: SQLite holds its lock until commit.
    policy = policy_for(order.shop.merchant_id, item.category_id)
    with transaction.atomic():
        case = Case.objects.create(
            kind=kind,
            reason=reason,
            order=order,
            order_item=item,
            quantity=quantity,
            shopper=order.shopper,
            merchant=order.shop.merchant,
            category_id=item.category_id,
            description=description,
            requested_amount=requested,
            currency=order.currency,
            policy=policy,
            intent=intent,
            language=language,
            opened_at=now,
        )
        from trustdesk.aftersales.flow import CASE_FLOW, announce, open_deadline

        event = CASE_FLOW.record_initial(case, who.actor, reason=f"{kind}: {reason}")
        if abs((event.at - now).total_seconds()) > 1:  # dated by its caller (mirrored or simulated)
            type(event).objects.filter(pk=event.pk).update(at=now)
        deadline = open_deadline(
            case,
            DeadlineKind.MERCHANT_RESPONSE,
            Party.MERCHANT,
            now + timedelta(hours=case.policy.merchant_response_hours),
            now,
        )
        if kind == CaseKind.COMPLAINT:
            desk.enter_desk(case, now)  # may start desk deadlines too: those are read back when asked
        elif in_hand:
            case._prefetched_objects_cache = {"deadlines": [deadline], "refunds": []}  # type: ignore[attr-defined]
        announce(
            case,
            "case.opened",
            f"{case.number}: new {CaseKind(kind).label.lower()} request",
            {"kind": kind, "reason": reason},
            f"case-{case.pk}-opened",
        )
    return case


def do_approve(
    case: Case, *, who: Who, note: str = "", reason: str = "", now: datetime | None = None
) -> Case:
    """The merchant agrees: returns wait for the parcel, refund-only goes straight to the refund.

    `note` is a message to the shopper; `reason` only labels the event (the sweeper's approvals).
    """
    note = note.strip()
    require(case, who, Party.MERCHANT, Party.SYSTEM, doing="approve a request")
    require_open(case, "approve it")
    now = now or timezone.now()
    if case.status != S.AWAITING_MERCHANT:
        raise InvalidTransition(f"{case.number} is {case.status}, not waiting for the merchant's answer")
    with transaction.atomic(savepoint=False):
        _message(case, who, note, now)
        if case.kind == CaseKind.COMPLAINT:
            transition(
                case,
                S.RESOLVED,
                party=who.party,
                actor=who.actor,
                now=now,
                reason=note or reason or "answered",
                extra={"resolution": Resolution.ANSWERED},
            )
        elif case.kind == CaseKind.REFUND_ONLY:
            transition(
                case,
                S.REFUNDING,
                party=who.party,
                actor=who.actor,
                now=now,
                reason=note or reason or "approved",
            )
            refunds.create_refund(
                case, case.requested_amount, actor=who.actor, reason="refund approved", now=now
            )
        else:
            transition(
                case,
                S.AWAITING_RETURN,
                party=who.party,
                actor=who.actor,
                now=now,
                reason=note or reason or "approved; please send the item back",
            )
    return case


def do_reject(case: Case, *, who: Who, reason: str, now: datetime | None = None) -> Case:
    require(case, who, Party.MERCHANT, doing="refuse a request")
    require_open(case, "refuse it")
    if not reason.strip():
        raise ValidationFailed("say why the request is refused; the shopper and any arbitrator will read it")
    if case.status not in (S.AWAITING_MERCHANT, S.RETURN_DELIVERED):
        raise InvalidTransition(f"{case.number} is {case.status}; the merchant can refuse only when asked")
    now = now or timezone.now()
    with transaction.atomic():
        _message(case, who, reason, now)
        transition(
            case,
            S.REJECTED,
            party=who.party,
            actor=who.actor,
            now=now,
            reason=reason,
            extra={"resolution": Resolution.REJECTED},
        )
    return case


def do_request_info(case: Case, *, who: Who, question: str, now: datetime | None = None) -> Case:
    require(case, who, Party.MERCHANT, doing="ask the shopper for more information")
    if not question.strip():
        raise ValidationFailed("write the question for the shopper")
    now = now or timezone.now()
    with transaction.atomic():
        _message(case, who, question, now)
        transition(case, S.AWAITING_SHOPPER, party=who.party, actor=who.actor, now=now, reason=question)
    return case


def do_post_message(case: Case, *, who: Who, body: str, now: datetime | None = None) -> Message:
    """A message from either side; the shopper's answer to a question puts the case back to the merchant."""
    require(case, who, Party.SHOPPER, Party.MERCHANT, doing="write on this case")
    require_open(case, "write on it")
    now = now or timezone.now()
    with transaction.atomic():
        message = _message(case, who, body, now)
        if message is None:
            raise ValidationFailed("the message is empty")
        if who.party == Party.SHOPPER and case.status == S.AWAITING_SHOPPER:
            transition(
                case,
                S.AWAITING_MERCHANT,
                party=who.party,
                actor=who.actor,
                now=now,
                reason="the shopper answered",
            )
        desk.note_customer_message(case, now)
    return message


def do_ship_return(
    case: Case, *, who: Who, carrier: str, tracking_number: str, now: datetime | None = None
) -> Case:
    require(case, who, Party.SHOPPER, doing="ship the return")
    if not carrier.strip() or not tracking_number.strip():
        raise ValidationFailed("give the carrier and the tracking number of the return parcel")
    now = now or timezone.now()
    transition(
        case,
        S.RETURN_SHIPPED,
        party=who.party,
        actor=who.actor,
        now=now,
        reason=f"{carrier} {tracking_number}",
        data={"carrier": carrier, "tracking": tracking_number},
    )
    return case


def do_record_return_delivered(case: Case, *, actor: Actor, now: datetime | None = None) -> Case:
    """The carrier reports the return delivered: the merchant's receipt clock starts now."""
    transition(
        case,
        S.RETURN_DELIVERED,
        party=Party.PLATFORM,
        actor=actor,
        now=now or timezone.now(),
        reason="return delivered to the merchant",
    )
    return case


def do_confirm_receipt(
    case: Case, *, who: Who, replacement_tracking: str = "", note: str = "", now: datetime | None = None
) -> Case:
    """The merchant has the returned item: refund it, or for exchanges and repairs send it back."""
    require(case, who, Party.MERCHANT, Party.SYSTEM, doing="confirm receipt of the return")
    require_open(case, "confirm receipt")
    if case.status not in (S.RETURN_SHIPPED, S.RETURN_DELIVERED):
        raise InvalidTransition(f"{case.number} is {case.status}; there is no return on its way to confirm")
    now = now or timezone.now()
    with transaction.atomic():
        if case.kind in (CaseKind.EXCHANGE, CaseKind.REPAIR) and who.party == Party.MERCHANT:
            if not replacement_tracking.strip():
                raise ValidationFailed("give the tracking number of the replacement or repaired item")
            outcome = Resolution.EXCHANGED if case.kind == CaseKind.EXCHANGE else Resolution.REPAIRED
            transition(
                case,
                S.RESOLVED,
                party=who.party,
                actor=who.actor,
                now=now,
                reason=f"sent back: {replacement_tracking}",
                extra={"resolution": outcome},
            )
        else:
            transition(
                case, S.REFUNDING, party=who.party, actor=who.actor, now=now, reason=note or "return received"
            )
            amount = min(
                case.requested_amount or case.order_item.amount, eligibility.refundable_left(case.order_item)
            )
            refunds.create_refund(case, amount, actor=who.actor, reason="return received", now=now)
    return case


def do_withdraw(case: Case, *, who: Who, now: datetime | None = None) -> Case:
    require(case, who, Party.SHOPPER, doing="withdraw the request")
    require_open(case, "withdraw it")
    if case.status in (S.REFUNDING, S.DECIDED):
        raise InvalidTransition(f"{case.number} is {case.status}; it can no longer be withdrawn")
    transition(
        case,
        S.CLOSED,
        party=who.party,
        actor=who.actor,
        now=now or timezone.now(),
        reason="withdrawn by the shopper",
        extra={"resolution": Resolution.WITHDRAWN},
    )
    return case


def do_escalate(case: Case, *, who: Who, reason: str, now: datetime | None = None) -> Case:
    """Either side asks the platform to step in."""
    require(case, who, Party.SHOPPER, Party.MERCHANT, doing="escalate this case")
    require_open(case, "escalate it")
    if not reason.strip():
        raise ValidationFailed("say what the platform should look at")
    now = now or timezone.now()
    if case.status == S.AWAITING_MERCHANT and case.kind != CaseKind.COMPLAINT:
        due = Deadline.objects.filter(
            case=case, kind=DeadlineKind.MERCHANT_RESPONSE, state=DeadlineState.OPEN
        )
        first = due.first()
        until = f" until {first.due_at:%Y-%m-%d %H:%M} UTC" if first else ""
        raise InvalidTransition(
            f"the merchant has{until} to answer; escalate after that if needed", code="too_early"
        )
    with transaction.atomic():
        _message(case, who, reason, now)
        transition(
            case,
            S.ESCALATED,
            party=who.party,
            actor=who.actor,
            now=now,
            reason=reason,
            extra={"escalated_at": now},
        )
        desk.enter_desk(case, now, escalated=True)
    return case


def do_reopen(case: Case, *, who: Who, reason: str, now: datetime | None = None) -> Case:
    require(case, who, Party.SHOPPER, doing="reopen the request")
    now = now or timezone.now()
    if case.status != S.RESOLVED:
        raise InvalidTransition(f"{case.number} is {case.status}; only a resolved case can be reopened")
    if case.resolved_at and now > case.resolved_at + timedelta(days=case.policy.reopen_days):
        raise InvalidTransition(f"a case can be reopened within {case.policy.reopen_days} days of resolution")
    if not reason.strip():
        raise ValidationFailed("say what is still wrong")
    with transaction.atomic():
        _message(case, who, reason, now)
        transition(
            case,
            S.AWAITING_MERCHANT,
            party=who.party,
            actor=who.actor,
            now=now,
            reason=reason,
            extra={"reopen_count": case.reopen_count + 1, "resolution": "", "resolved_at": None},
        )
    return case


def do_answer_survey(
    case: Case, *, who: Who, score: int, comment: str = "", now: datetime | None = None
) -> Survey:
    require(case, who, Party.SHOPPER, doing="answer the satisfaction survey")
    if not 1 <= score <= 5:
        raise ValidationFailed("score from 1 (very unhappy) to 5 (very happy)")
    survey = Survey.objects.filter(case=case).first()
    if survey is None:
        raise Conflict(
            f"{case.number} has no survey yet: it opens when the case is resolved", code="no_survey"
        )
    changed = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
        score=score, comment=comment[:2000], answered_at=now or timezone.now()
    )
    if changed != 1:
        raise Conflict("the survey for this case was already answered", code="already_answered")
    survey.refresh_from_db()
    return survey

"""The case state machine and what every transition does besides moving the state.

One transition, one transaction: the conditional state UPDATE and its event row, closing the deadline
that the move answers (met, or no longer needed), starting the next state's deadline as a `due_at`
snapshot from the case's policy, and telling both sides (in-app and through the webhook outbox). While a
case waits on the shopper, the merchant's clock is paused and later resumes with the time it had left.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from trustdesk.aftersales.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Party,
    Policy,
    Survey,
)
from trustdesk.core.actors import Actor
from trustdesk.core.statemachine import StateMachine
from trustdesk.notifications import inapp, outbox

S = CaseStatus
CASE_FLOW: StateMachine[CaseEvent] = StateMachine(
    field="status",
    transitions={
        S.AWAITING_MERCHANT: {
            S.AWAITING_SHOPPER,
            S.AWAITING_RETURN,
            S.REFUNDING,
            S.REJECTED,
            S.RESOLVED,
            S.ESCALATED,
            S.CLOSED,
        },
        S.AWAITING_SHOPPER: {S.AWAITING_MERCHANT, S.ESCALATED, S.CLOSED},
        S.AWAITING_RETURN: {S.RETURN_SHIPPED, S.ESCALATED, S.CLOSED},
        S.RETURN_SHIPPED: {S.RETURN_DELIVERED, S.REFUNDING, S.RESOLVED, S.ESCALATED},
        S.RETURN_DELIVERED: {S.REFUNDING, S.RESOLVED, S.REJECTED, S.ESCALATED},
        S.REFUNDING: {S.RESOLVED},
        S.REJECTED: {S.ESCALATED, S.CLOSED},
        S.ESCALATED: {S.AWAITING_EVIDENCE, S.DECIDED, S.RESOLVED, S.CLOSED},
        S.AWAITING_EVIDENCE: {S.UNDER_REVIEW, S.DECIDED, S.CLOSED},
        S.UNDER_REVIEW: {S.AWAITING_EVIDENCE, S.DECIDED, S.CLOSED},
        S.DECIDED: {S.UNDER_REVIEW, S.CLOSED},
        S.RESOLVED: {S.AWAITING_MERCHANT, S.CLOSED},
        S.CLOSED: set(),
    },
    event_model=CaseEvent,
    subject_field="case",
)

# The deadline each waiting state starts: (kind, who must act, how long under the case's policy).
STATE_DEADLINES: dict[str, tuple[str, str, Any]] = {
    S.AWAITING_MERCHANT: (
        DeadlineKind.MERCHANT_RESPONSE,
        Party.MERCHANT,
        lambda p: timedelta(hours=p.merchant_response_hours),
    ),
    S.AWAITING_SHOPPER: (
        DeadlineKind.SHOPPER_REPLY,
        Party.SHOPPER,
        lambda p: timedelta(days=p.shopper_reply_days),
    ),
    S.AWAITING_RETURN: (
        DeadlineKind.SHOPPER_SHIP,
        Party.SHOPPER,
        lambda p: timedelta(days=p.shopper_ship_days),
    ),
    S.RETURN_SHIPPED: (
        DeadlineKind.RETURN_TRANSIT,
        Party.PLATFORM,
        lambda p: timedelta(days=p.return_transit_days),
    ),
    S.RETURN_DELIVERED: (
        DeadlineKind.MERCHANT_RECEIPT,
        Party.MERCHANT,
        lambda p: timedelta(days=p.merchant_receipt_days),
    ),
    S.REJECTED: (DeadlineKind.ESCALATION, Party.SHOPPER, lambda p: timedelta(days=p.escalation_days)),
    S.AWAITING_EVIDENCE: (DeadlineKind.EVIDENCE, Party.PLATFORM, lambda p: timedelta(hours=p.evidence_hours)),
    S.DECIDED: (DeadlineKind.APPEAL, Party.PLATFORM, lambda p: timedelta(days=p.appeal_days)),
}
# Deadlines that belong to the case's current state; desk SLAs and refunds live on their own.
STATE_KINDS = {kind for kind, _party, _length in STATE_DEADLINES.values()}
HUMAN_RESPONDERS = {Party.MERCHANT, Party.AGENT, Party.ARBITRATOR}


def default_policy() -> Policy:
    policy, _created = Policy.objects.get_or_create(code="default", defaults={"name": "Default"})
    return policy


def open_deadline(
    case: Case, kind: str, party: str, due_at: datetime, now: datetime, **extra: Any
) -> Deadline:
    return Deadline.objects.create(case=case, kind=kind, party=party, started_at=now, due_at=due_at, **extra)


def _settle_state_deadlines(case: Case, to: str, party: str, now: datetime) -> None:
    running = Deadline.objects.filter(case=case, kind__in=STATE_KINDS, state=DeadlineState.OPEN)
    for deadline in running:
        if to == S.AWAITING_SHOPPER and deadline.kind == DeadlineKind.MERCHANT_RESPONSE:
            left = max(0, int((deadline.due_at - now).total_seconds()))
            Deadline.objects.filter(pk=deadline.pk, state=DeadlineState.OPEN).update(
                state=DeadlineState.PAUSED, paused_at=now, remaining_seconds=left
            )
        elif party == deadline.party or deadline.party == Party.PLATFORM:
            Deadline.objects.filter(pk=deadline.pk, state=DeadlineState.OPEN).update(
                state=DeadlineState.ACHIEVED, achieved_at=now
            )
        else:
            Deadline.objects.filter(pk=deadline.pk, state=DeadlineState.OPEN).update(
                state=DeadlineState.CANCELLED, cancelled_at=now
            )


def _start_state_deadline(case: Case, to: str, now: datetime) -> None:
    if to not in STATE_DEADLINES:
        return
    kind, party, length = STATE_DEADLINES[to]
    if kind == DeadlineKind.APPEAL and case.appeal_count:
        return
    paused = Deadline.objects.filter(case=case, kind=kind, state=DeadlineState.PAUSED).first()
    if paused is not None:
        Deadline.objects.filter(pk=paused.pk).update(
            state=DeadlineState.OPEN,
            due_at=now + timedelta(seconds=paused.remaining_seconds or 0),
            paused_at=None,
            remaining_seconds=None,
        )
        return
    # A reopened case starts the merchant's clock afresh; older paused clocks stay as history.
    open_deadline(case, kind, party, now + length(case.policy), now)


def announce(case: Case, event_type: str, title: str, data: dict[str, Any], key: str) -> None:
    payload = {"case": case.pk, "order": case.order.external_id, "status": case.status, **data}
    outbox.enqueue(f"aftersales.{event_type}", payload, idempotency_key=key)
    link = f"/aftersales/{case.pk}/"
    inapp.notify(kind=f"aftersales.{event_type}", title=title, link=link, shopper=case.shopper)
    inapp.notify(kind=f"aftersales.{event_type}", title=title, link=link, merchant=case.merchant)


def transition(
    case: Case,
    to: str,
    *,
    party: str,
    actor: Actor,
    now: datetime | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> CaseEvent:
    now = now or timezone.now()
    to = str(to)
    updates = dict(extra or {})
    if party in HUMAN_RESPONDERS and case.first_response_at is None:
        updates["first_response_at"] = now
    if to == S.RESOLVED or to == S.DECIDED:
        updates.setdefault("resolved_at", now)
    if to == S.CLOSED:
        updates.setdefault("closed_at", now)
        if case.resolved_at is None:
            updates.setdefault("resolved_at", now)
    # No savepoint of our own: a failure rolls back to the caller's transaction or savepoint.
    with transaction.atomic(savepoint=False):
        event = CASE_FLOW.move(
            case, to, actor=actor, reason=reason, data={"party": party, **(data or {})}, extra_updates=updates
        )
        if abs((event.at - now).total_seconds()) > 1:  # an action dated by its caller (mirrored or simulated)
            CaseEvent.objects.filter(pk=event.pk).update(at=now)
            event.at = now
        _settle_state_deadlines(case, to, party, now)
        _start_state_deadline(case, to, now)
        if to in (S.RESOLVED, S.DECIDED) or (to == S.CLOSED and case.resolution):
            Survey.objects.get_or_create(case=case, defaults={"invited_at": now})
        status_label = str(S(to).label)
        announce(
            case, f"case.{to}", f"{case.number}: {status_label}", {"reason": reason}, f"case-event-{event.pk}"
        )
    return event

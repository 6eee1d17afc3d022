"""The case state machine and what every transition does besides moving the state.

One transition, one transaction: the conditional state UPDATE and its event row, closing the deadline
that the move answers (met, or no longer needed), starting the next state's deadline as a `due_at`
snapshot from the case's policy, and telling both sides (in-app and through the webhook outbox). While a
case waits on the shopper, the merchant's clock is paused and later resumes with the time it had left.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
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
from trustdesk.core.errors import InvalidTransition
from trustdesk.core.statemachine import StateMachine
from trustdesk.notifications import inapp, outbox
from trustdesk.notifications.models import Notification

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


def _settle_state_deadlines(case_ids: list[int], to: str, party: str, now: datetime) -> None:
    """Close the running state deadlines the move answers: met by the side that had to act, else moot."""
    running = Deadline.objects.filter(case_id__in=case_ids, kind__in=STATE_KINDS, state=DeadlineState.OPEN)
    if to == S.AWAITING_SHOPPER:
        # The merchant's clock stops while the shopper is asked; it resumes with the time it had left.
        for deadline in running.filter(kind=DeadlineKind.MERCHANT_RESPONSE):
            left = max(0, int((deadline.due_at - now).total_seconds()))
            Deadline.objects.filter(pk=deadline.pk, state=DeadlineState.OPEN).update(
                state=DeadlineState.PAUSED, paused_at=now, remaining_seconds=left
            )
    running.filter(party__in=(party, Party.PLATFORM)).update(state=DeadlineState.ACHIEVED, achieved_at=now)
    running.update(state=DeadlineState.CANCELLED, cancelled_at=now)


def _start_state_deadlines(cases: list[Case], to: str, now: datetime) -> None:
    if to not in STATE_DEADLINES:
        return
    kind, party, length = STATE_DEADLINES[to]
    if kind == DeadlineKind.APPEAL:
        cases = [case for case in cases if not case.appeal_count]
    paused: dict[int, Deadline] = {}
    paused_rows = Deadline.objects.filter(
        case_id__in=[case.pk for case in cases], kind=kind, state=DeadlineState.PAUSED
    )
    for deadline in paused_rows.order_by("-due_at", "-id"):
        paused[deadline.case_id] = deadline  # the earliest wins, as it is written last
    fresh = []
    for case in cases:
        held = paused.get(case.pk)
        if held is not None:
            Deadline.objects.filter(pk=held.pk).update(
                state=DeadlineState.OPEN,
                due_at=now + timedelta(seconds=held.remaining_seconds or 0),
                paused_at=None,
                remaining_seconds=None,
            )
        else:
            fresh.append(
                Deadline(case=case, kind=kind, party=party, started_at=now, due_at=now + length(case.policy))
            )
    Deadline.objects.bulk_create(fresh)


def _payload(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    return {"case": case.pk, "order": case.order.external_id, "status": case.status, **data}


def _recipients(case: Case, event_type: str, title: str) -> list[Notification]:
    link = f"/aftersales/{case.pk}/"
    kind = f"aftersales.{event_type}"
    return [
        Notification(kind=kind, title=title, link=link, shopper_id=case.shopper_id),
        Notification(kind=kind, title=title, link=link, merchant_id=case.merchant_id),
    ]


def announce(case: Case, event_type: str, title: str, data: dict[str, Any], key: str) -> None:
    outbox.enqueue(f"aftersales.{event_type}", _payload(case, data), idempotency_key=key)
    inapp.notify_many(_recipients(case, event_type, title))


def _after_moves(
    moves: list[tuple[Case, CaseEvent]], to: str, party: str, now: datetime, reason: str
) -> None:
    """Everything a move does besides the state: deadlines, the survey, telling both sides."""
    cases = [case for case, _event in moves]
    _settle_state_deadlines([case.pk for case in cases], to, party, now)
    _start_state_deadlines(cases, to, now)
    if to in (S.RESOLVED, S.DECIDED, S.CLOSED):
        surveyed = [case for case in cases if to != S.CLOSED or case.resolution]
        Survey.objects.bulk_create(
            [Survey(case=case, invited_at=now) for case in surveyed], ignore_conflicts=True
        )
    status_label = str(S(to).label)
    event_type = f"case.{to}"
    outbox.enqueue_many(
        (f"aftersales.{event_type}", _payload(case, {"reason": reason}), f"case-event-{event.pk}")
        for case, event in moves
    )
    inapp.notify_many(
        [
            note
            for case, _event in moves
            for note in _recipients(case, event_type, f"{case.number}: {status_label}")
        ]
    )


def _updates(
    to: str, party: str, now: datetime, extra: dict[str, Any] | None, case: Case | None = None
) -> dict[str, Any]:
    """Column updates of a move. Without `case` (bulk moves) "set if still empty" is a SQL expression."""

    def unless_set(name: str) -> Any:
        if case is None:
            return Coalesce(F(name), Value(now))
        return now if getattr(case, name) is None else getattr(case, name)

    updates: dict[str, Any] = dict(extra or {})
    if party in HUMAN_RESPONDERS:
        updates.setdefault("first_response_at", unless_set("first_response_at"))
    if to == S.RESOLVED or to == S.DECIDED:
        updates.setdefault("resolved_at", now)
    if to == S.CLOSED:
        updates.setdefault("closed_at", now)
        updates.setdefault("resolved_at", unless_set("resolved_at"))
    return updates


def _apply_in_memory(case: Case, updates: dict[str, Any], now: datetime) -> None:
    for name, value in updates.items():
        if isinstance(value, Coalesce):
            if getattr(case, name) is None:
                setattr(case, name, now)
        else:
            setattr(case, name, value)


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
    updates = _updates(to, party, now, extra, case)
    # No savepoint of our own: a failure rolls back to the caller's transaction or savepoint.
    with transaction.atomic(savepoint=False):
        event = CASE_FLOW.move(
            case, to, actor=actor, reason=reason, data={"party": party, **(data or {})}, extra_updates=updates
        )
        if abs((event.at - now).total_seconds()) > 1:  # an action dated by its caller (mirrored or simulated)
            CaseEvent.objects.filter(pk=event.pk).update(at=now)
            event.at = now
        _after_moves([(case, event)], to, party, now, reason)
    return event


def transition_many(
    cases: list[Case],
    to: str,
    *,
    party: str,
    actor: Actor,
    now: datetime,
    reason: str,
    extra: dict[str, Any] | None = None,
) -> list[Case]:
    """The same move for many cases at once (a deadline sweep); returns the cases that moved.

    Set-based, with the same effects as `transition` per case: the cases are locked (PostgreSQL) and
    re-read, those still in a state the move is allowed from change in one conditional UPDATE per
    state, and their event rows, deadlines, surveys and notifications are written in bulk. A case that
    changed state meanwhile is left alone.
    """
    to = str(to)
    updates = _updates(to, party, now, extra)
    moved: list[tuple[Case, CaseEvent]] = []
    by_id = {case.pk: case for case in cases}
    with transaction.atomic(savepoint=False):
        current = (
            Case.objects.select_for_update(of=("self",))
            .filter(pk__in=list(by_id))
            .order_by("pk")
            .values_list("pk", "status")
        )
        groups: dict[str, list[int]] = defaultdict(list)
        for pk, status in current:
            if to in CASE_FLOW.allowed(status):
                groups[status].append(pk)
        for status, ids in groups.items():
            changed = Case.objects.filter(pk__in=ids, status=status).update(status=to, **updates)
            if changed != len(ids):  # the rows are locked (PostgreSQL) or the writer is alone (SQLite)
                raise InvalidTransition(f"{len(ids) - changed} cases changed state during a bulk move")
            events = CaseEvent.objects.bulk_create(
                CaseEvent(
                    case_id=pk,
                    from_state=status,
                    to_state=to,
                    actor_kind=actor.kind,
                    actor_label=actor.label,
                    actor_user_id=actor.user_id,
                    reason=reason,
                    data={"party": party},
                    at=now,
                )
                for pk in ids
            )
            for pk, event in zip(ids, events, strict=True):
                case = by_id[pk]
                case.status = to
                _apply_in_memory(case, updates, now)
                moved.append((case, event))
        if moved:
            _after_moves(moved, to, party, now, reason)
    return [case for case, _event in moved]

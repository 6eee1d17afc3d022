"""The analysts' review queue: a `review` decision holds the order and opens a case; an analyst
assigns it, investigates the linked events and the graph of shared devices, cards and addresses, and
decides. The outcome labels the events (for training) and is sent to the marketplace (outbox).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from trustdesk.audit.services import record
from trustdesk.core.actors import Actor
from trustdesk.core.errors import NotFound, ValidationFailed
from trustdesk.core.statemachine import StateMachine
from trustdesk.risk import credit
from trustdesk.risk.history import stored_months
from trustdesk.risk.models import CaseEvent, CaseStatus, Label, ReviewCase, RiskEvent, naming

C = CaseStatus
LIFECYCLE = StateMachine(
    field="status",
    transitions={C.OPEN: {C.ASSIGNED, C.DECIDED}, C.ASSIGNED: {C.ASSIGNED, C.DECIDED}, C.DECIDED: set()},
    event_model=CaseEvent,
    subject_field="case",
)
LINKS = ("user", "device", "ip", "payment_fingerprint", "address")


def open_cases(held: Sequence[tuple[int, list[str]]]) -> list[ReviewCase]:
    """A case for each held event, given as its primary key and the reasons it was held: the cases
    in one insert and their first events in another (an attack can hold hundreds of a batch's events)."""
    cases = ReviewCase.objects.bulk_create([ReviewCase(event_id=pk) for pk, _ in held])
    LIFECYCLE.record_initial_many(
        cases, Actor.system("risk"), ["; ".join(reasons)[:500] for _, reasons in held]
    )
    return cases


def get_case(pk: int) -> ReviewCase:
    case = ReviewCase.objects.select_related("event", "assignee").filter(pk=pk).first()
    if case is None:
        raise NotFound(f"no case {pk}")
    return case


def do_assign(case: ReviewCase, *, actor: Actor, assignee_id: int) -> ReviewCase:
    LIFECYCLE.move(case, C.ASSIGNED, actor=actor, extra_updates={"assignee_id": assignee_id})
    record(actor, "risk.case.assign", target=case, details={"assignee": assignee_id})
    return case


def do_decide(case: ReviewCase, *, actor: Actor, outcome: str, note: str = "") -> ReviewCase:
    """Fraud or legit: labels the case's events, updates credit, releases or cancels the order."""
    from trustdesk.notifications.outbox import enqueue

    if outcome not in (Label.FRAUD, Label.LEGIT):
        raise ValidationFailed("outcome must be fraud or legit", code="invalid_outcome")
    event = case.event
    with transaction.atomic():
        LIFECYCLE.move(
            case,
            C.DECIDED,
            actor=actor,
            reason=note,
            data={"outcome": outcome},
            extra_updates={"outcome": outcome, "note": note, "decided_at": timezone.now()},
        )
        linked = RiskEvent.objects.filter(Q(pk=event.pk) | naming("order", event.order, stored_months()))
        linked.update(label=outcome, label_source="analyst")
        if outcome == Label.FRAUD and event.user:
            credit.note(event.user, "confirmed_fraud")
        record(actor, "risk.case.decide", target=case, reason=note, details={"outcome": outcome})
        enqueue(
            "risk.case_decided",
            {
                "event_id": event.event_id,
                "order": event.order,
                "user": event.user,
                "outcome": outcome,
                "action": "cancel_order" if outcome == Label.FRAUD else "release_order",
            },
            idempotency_key=f"risk.case_decided:{case.pk}",
        )
    return case


@dataclass
class Graph:
    """Entities linked to a case's event through shared devices, cards, addresses and IPs."""

    nodes: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    edges: list[tuple[tuple[str, str], tuple[str, str], int]] = field(default_factory=list)
    events: list[RiskEvent] = field(default_factory=list)


def investigate(case: ReviewCase, *, limit: int = 200) -> Graph:
    """Two hops: the event's entities, every event naming one of them, and the users behind those."""
    event = case.event
    months = stored_months()
    condition = Q()
    for kind in LINKS:
        value = getattr(event, kind)
        if value:
            condition |= naming(kind, value, months)
    related = list(RiskEvent.objects.filter(condition).order_by("-occurred_at")[:limit]) if condition else []
    graph = Graph(events=related)
    weights: dict[tuple[tuple[str, str], tuple[str, str]], int] = {}
    for other in related:
        if not other.user:
            continue
        user = ("user", other.user)
        for kind in LINKS[1:]:
            value = getattr(other, kind)
            if value:
                key = (user, (kind, value))
                weights[key] = weights.get(key, 0) + 1
    seen: dict[tuple[str, str], None] = {}
    for a, b in weights:
        seen.setdefault(a)
        seen.setdefault(b)
    graph.nodes = list(seen)
    graph.edges = [(a, b, n) for (a, b), n in weights.items()]
    return graph

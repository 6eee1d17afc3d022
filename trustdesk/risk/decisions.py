"""`decide`: validated events in, decisions out — features, lists, credit, engine, storage, follow-ups.

Steps for a batch (one transaction):
1. Events whose id is already stored get their first answer back and count nothing again.
2. Update and read the velocity features of the new events, in order, each seeing the ones before it
   (one pipelined round trip with Redis); look up list memberships (in memory) and shopper credit
   (one query for the batch); run the engine on each.
3. Store the events with their point-in-time features and decisions (one insert), add rule hits per
   day, and act: `review` opens a case (holding the order), `block`/`review` notify the marketplace
   through the outbox, message events are checked, refunds and chargebacks feed credit and labels,
   alert detectors look at the features just computed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from typing import Any

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from trustdesk.risk import alerts, credit, lists
from trustdesk.risk.events import Event
from trustdesk.risk.features import backend
from trustdesk.risk.messages import check_message
from trustdesk.risk.models import Label, ReviewCase, RiskEvent
from trustdesk.risk.ruleset import current_engine

_HITS_UPSERT = (
    "INSERT INTO risk_rulehitdaily (version_id, day, hits) VALUES (%s, %s, %s) "
    "ON CONFLICT (version_id, day) DO UPDATE SET hits = risk_rulehitdaily.hits + excluded.hits"
)


def _decode(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) else value


def _stored(ids: list[str]) -> dict[str, RiskEvent]:
    # Plain SQL: on the hot path the ORM's query building costs more than the query.
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_id, decision, score, reasons, rule_hits FROM risk_riskevent "  # noqa: S608
            f"WHERE event_id IN ({marks})",
            ids,
        )
        rows = cursor.fetchall()
    return {
        r[0]: RiskEvent(
            event_id=r[0], decision=r[1], score=r[2], reasons=_decode(r[3]), rule_hits=_decode(r[4])
        )
        for r in rows
    }


def answer(event: RiskEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "decision": event.decision,
        "score": event.score,
        "reasons": event.reasons,
        "rule_hits": event.rule_hits,
    }


def _context(
    event: Event, hour: int, features: dict[str, float], flags: dict[str, bool], shopper: dict[str, Any]
) -> Any:
    return {
        "event": {
            "type": event.type,
            "user": event.user,
            "device": event.device,
            "ip": event.ip,
            "payment_fingerprint": event.payment_fingerprint,
            "address": event.address,
            "email": event.email,
            "merchant": event.merchant,
            "order": event.order,
            "listing": event.listing,
            "amount": event.amount,
            "previous_amount": event.previous_amount,
            "currency": event.currency,
            "change": event.change,
            "message_verdict": "",
            "hour": hour,
        },
        "features": features,
        "lists": flags,
        "shopper": shopper,
    }


def decide(events: list[Event]) -> list[dict[str, Any]]:
    try:
        return _decide(events)
    except IntegrityError:
        # Another request stored one of these ids first; its answer is now the one to return.
        return _decide(events)


def _decide(events: list[Event]) -> list[dict[str, Any]]:
    stored = _stored([e.id for e in events])
    fresh = [e for e in events if e.id not in stored]
    made: dict[str, RiskEvent] = {}
    if fresh:
        with transaction.atomic():
            made = _decide_fresh(fresh)
    return [answer(stored.get(e.id) or made[e.id]) for e in events]


def _decide_fresh(events: list[Event]) -> dict[str, RiskEvent]:
    engine = current_engine()
    listed, model_version = engine.lists, engine.model_version
    now = timezone.now()
    credits = credit.snapshot({e.user for e in events if e.user})
    unknown: dict[str, Any] = {"credit_score": credit.BASE, "credit_tier": "good"}
    rows: list[RiskEvent] = []
    hits: Counter[tuple[int, date]] = Counter()
    for event, features in zip(events, backend().apply_batch(events), strict=True):
        shopper = credits.get(event.user) or unknown
        local = timezone.localtime(event.occurred_at)
        ctx = _context(event, local.hour, features, lists.flags(event, listed, now), shopper)
        attrs: dict[str, Any] = {}
        if event.type == "message.sent":
            verdict, findings = check_message(event.text)
            ctx["event"]["message_verdict"] = verdict
            attrs["message"] = {"verdict": verdict, "findings": [f.code for f in findings]}
        if event.change:
            attrs["change"] = event.change
        if event.previous_amount:
            attrs["previous_amount"] = event.previous_amount
        result = engine.decide(ctx)
        if result.hit_version_ids:
            day = local.date()
            for version_id in result.hit_version_ids:
                hits[(version_id, day)] += 1
        features["credit_score"] = shopper["credit_score"]
        rows.append(
            RiskEvent(
                event_id=event.id,
                type=event.type,
                occurred_at=event.occurred_at,
                received_at=now,
                user=event.user,
                device=event.device,
                ip=event.ip,
                payment_fingerprint=event.payment_fingerprint,
                address=event.address,
                email=event.email,
                merchant=event.merchant,
                order=event.order,
                listing=event.listing,
                amount=event.amount_exact,
                attrs=attrs,
                features=features,
                decision=result.decision,
                score=result.score,
                reasons=result.reasons,
                rule_hits=result.rule_hits,
                shadow_hits=result.shadow_hits,
                model_version=model_version,
            )
        )
    _insert(rows)
    if hits:
        with connection.cursor() as cursor:
            cursor.executemany(_HITS_UPSERT, [(v, d, n) for (v, d), n in hits.items()])
    made = {r.event_id: r for r in rows}
    # Keys only for the rows a follow-up links to (cases, chargebacks): most rows need none.
    linked = [r.event_id for r in rows if r.decision == "review" or r.type == "chargeback.received"]
    for first in range(0, len(linked), 900):
        chunk = linked[first : first + 900]
        for event_id, pk in RiskEvent.objects.filter(event_id__in=chunk).values_list("event_id", "pk"):
            made[event_id].pk = pk
    for event, row in zip(events, rows, strict=True):
        _follow_up(event, row)
    return made


_COLUMNS = (
    "event_id",
    "type",
    "occurred_at",
    "received_at",
    "user",
    "device",
    "ip",
    "payment_fingerprint",
    "address",
    "email",
    "merchant",
    "order",
    "listing",
    "amount",
    "attrs",
    "features",
    "decision",
    "score",
    "reasons",
    "rule_hits",
    "shadow_hits",
    "model_version",
    "label",
    "label_source",
)
_JSON = {"attrs", "features", "reasons", "rule_hits", "shadow_hits"}


@cache
def _insert_sql(vendor: str) -> str:
    # PostgreSQL is told the JSON columns' type, so their text goes in as it is on both databases.
    marks = ("%s::jsonb" if vendor == "postgresql" and c in _JSON else "%s" for c in _COLUMNS)
    return (
        "INSERT INTO risk_riskevent ("  # noqa: S608
        + ", ".join(f'"{c}"' for c in _COLUMNS)
        + ") VALUES ("
        + ", ".join(marks)
        + ")"
    )


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _insert(rows: list[RiskEvent]) -> None:
    """One executemany insert of plain values. The ORM's bulk_create prepares every field of every
    row through its field machinery, which on this path cost more than the database's own work."""
    stamp = connection.ops.adapt_datetimefield_value
    params = [
        (
            r.event_id,
            r.type,
            stamp(r.occurred_at),
            stamp(r.received_at),
            r.user,
            r.device,
            r.ip,
            r.payment_fingerprint,
            r.address,
            r.email,
            r.merchant,
            r.order,
            r.listing,
            r.amount,
            _json(r.attrs),
            _json(r.features),
            r.decision,
            r.score,
            _json(r.reasons),
            _json(r.rule_hits),
            _json(r.shadow_hits),
            r.model_version,
            r.label,
            r.label_source,
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(connection.vendor), params)


def _follow_up(event: Event, row: RiskEvent) -> None:
    from trustdesk.notifications.outbox import enqueue

    if row.decision == "review":
        from trustdesk.risk.cases import open_case

        open_case(row)
    if row.decision in ("review", "block"):
        enqueue(
            f"risk.{'order_held' if row.decision == 'review' else 'blocked'}",
            {**answer(row), "type": row.type, "order": row.order, "user": row.user},
            idempotency_key=f"risk.decision:{row.event_id}",
        )
    if event.type == "refund.requested":
        credit.note(event.user, "refunds")
    elif event.type == "chargeback.received":
        credit.note(event.user, "chargebacks")
        # A chargeback is a known outcome: the order's earlier events become fraud labels.
        RiskEvent.objects.filter(order=event.order, label="").exclude(pk=row.pk).update(
            label=Label.FRAUD, label_source="chargeback"
        )
        ReviewCase.objects.filter(event__order=event.order, status="open").update(note="chargeback received")
    alerts.detect(event, row)

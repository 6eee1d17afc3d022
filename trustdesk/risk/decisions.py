"""`decide`: validated events in, decisions out — features, lists, credit, engine, storage, follow-ups.

Steps for a batch:
1. Read the answers already given to its ids and its shoppers' credit (one round trip on PostgreSQL
   for both). Events whose id is already stored get their first answer back and count nothing again.
2. Before any transaction: read the rules and work out the counters each new event touches.
3. Update and read the velocity features of the new events, in order, each seeing the ones before it
   (one pipelined round trip with Redis); look up list memberships (in memory); run the engine on
   each. Store the events with their point-in-time features and decisions (one insert), add rule hits
   per day, and act: `review` opens a case (holding the order), `block`/`review` notify the
   marketplace through the outbox, message events are checked, refunds and chargebacks feed credit
   and labels, alert detectors look at the features just computed.
   With the counters in the database, all of step 3 is one transaction. With Redis, only the storing
   is; a single event whose storing is one row needs no transaction around it at all."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

import orjson
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from trustdesk.risk import alerts, credit, lists
from trustdesk.risk.engine import Engine
from trustdesk.risk.events import Event
from trustdesk.risk.features import Touch, backend, touches
from trustdesk.risk.history import month_of, stored_months
from trustdesk.risk.messages import check_message
from trustdesk.risk.models import Alert, Label, ReviewCase, RiskEvent, present
from trustdesk.risk.ruleset import current_engine

_HITS_UPSERT = (
    "INSERT INTO risk_rulehitdaily (version_id, day, hits) VALUES (%s, %s, %s) "
    "ON CONFLICT (version_id, day) DO UPDATE SET hits = risk_rulehitdaily.hits + excluded.hits"
)


def _decode(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) else value


class Decided(NamedTuple):
    """A decided event as stored: the columns of risk_riskevent, in the insert's order. (Plain
    tuples: a model instance per event cost more to build than the engine took to decide it.)"""

    event_id: str
    type: str
    occurred_at: datetime
    received_at: datetime
    attrs: dict[str, Any]
    features: dict[str, float]
    decision: str
    score: float
    reasons: list[str]
    rule_hits: list[Any]
    shadow_hits: list[Any]
    model_version: int | None
    user: str = ""
    device: str = ""
    ip: str = ""
    payment_fingerprint: str = ""
    address: str = ""
    email: str = ""
    merchant: str = ""
    order: str = ""
    listing: str = ""
    amount: Decimal | None = None
    label: str = ""
    label_source: str = ""


# What an event's answer holds; a repeated id gets the stored one back.
_ANSWER_FIELDS = ("event_id", "decision", "score", "reasons", "rule_hits")


# The answers already given to a request's ids and its shoppers' credit, in one statement: for a
# single event each statement's round trip through the driver cost more than the statement did (on
# PostgreSQL ≈ 170 µs of the worker's CPU for the two apart, pipelined or not). The first column
# tells the rows apart; credit rows carry the user, tier and score in the answer's columns.
_LOOK_UP = (
    "SELECT 'answer', event_id, decision, score, reasons, rule_hits FROM risk_riskevent "
    "WHERE event_id IN ({ids})"
)
_AND_CREDIT = (
    " UNION ALL SELECT 'credit', \"user\", tier, score, NULL, NULL FROM risk_shoppercredit "
    'WHERE "user" IN ({users})'
)


def _marks(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def _look_up(events: list[Event]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The answers already given to any of these ids, and the credit of the events' shoppers, read
    before any transaction (on SQLite a transaction holds every process's one writer turn). The
    credit is read as of just before the transaction, as if the request came a moment sooner."""
    ids = [e.id for e in events]
    users = sorted({e.user for e in events if e.user})
    sql = _LOOK_UP.format(ids=_marks(ids)) + (_AND_CREDIT.format(users=_marks(users)) if users else "")
    # Plain SQL: on the hot path the ORM's query building costs more than the query.
    with connection.cursor() as cursor:
        cursor.execute(sql, ids + users)
        rows = cursor.fetchall()
    stored = {r[1]: _answer_of(r) for r in rows if r[0] == "answer"}
    shoppers = ((r[1], int(r[3]), r[2]) for r in rows if r[0] == "credit")
    return stored, credit.snapshot_of(users, shoppers)


def _answer_of(row: tuple[Any, ...]) -> dict[str, Any]:
    """An answer from a row of _LOOK_UP's first part."""
    return dict(zip(_ANSWER_FIELDS, (row[1], row[2], row[3], _decode(row[4]), _decode(row[5])), strict=True))


def stored_answer(event_id: str) -> dict[str, Any] | None:
    """The answer given to an event id, or None. Five columns as plain SQL: loading the whole event
    through the ORM (25 columns, five of them JSON) made a read cost about four times what the server
    spends on a request by itself."""
    with connection.cursor() as cursor:
        cursor.execute(_LOOK_UP.format(ids="%s"), [event_id])
        row = cursor.fetchone()
    return _answer_of(row) if row else None


def answer(event: Decided) -> dict[str, Any]:
    return {name: getattr(event, name) for name in _ANSWER_FIELDS}


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
    stored, credits = _look_up(events)
    fresh = [e for e in events if e.id not in stored]
    made: dict[str, Decided] = {}
    if fresh:
        ready = _prepare(fresh, credits)
        if backend().in_database:
            # The counters and the events they count commit together.
            with transaction.atomic():
                rows, hits = _decide_fresh(fresh, ready)
                _store(fresh, rows, hits)
        else:
            rows, hits = _decide_fresh(fresh, ready)
            if _stands_alone(fresh, rows, hits):
                insert(rows)
            else:
                with transaction.atomic():
                    _store(fresh, rows, hits)
        made = {r.event_id: r for r in rows}
    return [stored.get(e.id) or answer(made[e.id]) for e in events]


def _stands_alone(events: list[Event], rows: list[Decided], hits: Counter[Any]) -> bool:
    """Whether storing a decision is one row and nothing else: a single event allowed without a rule
    hit, that is no refund or chargeback and raises no alert. On PostgreSQL that row then goes in as
    a statement on its own, which commits by itself: BEGIN and COMMIT cost a round trip each, more
    than the insert does. (With counters in the database they must commit with the row, and on
    SQLite a transaction costs no round trip.)"""
    if connection.vendor != "postgresql" or len(rows) != 1 or hits:
        return False
    event, row = events[0], rows[0]
    return (
        row.decision == "allow"
        and event.type not in _SIGNALS
        and event.type not in alerts.READS_STORED_EVENTS
        and not alerts.detect(event, row.features)
    )


class _Prepared(NamedTuple):
    engine: Engine
    touched: list[list[Touch]]
    credits: dict[str, dict[str, Any]]


def _prepare(events: list[Event], credits: dict[str, dict[str, Any]]) -> _Prepared:
    """What needs no counter: worked out before the transaction, because on SQLite a transaction holds
    the one writer turn of every process (bench/bench_risk_http.py: single events queued on it). The
    rules are read as of just before the transaction, as the credit was."""
    return _Prepared(current_engine(), [touches(event) for event in events], credits)


_UNKNOWN_SHOPPER: dict[str, Any] = {"credit_score": credit.BASE, "credit_tier": "good"}


def _decide_fresh(events: list[Event], ready: _Prepared) -> tuple[list[Decided], Counter[tuple[int, date]]]:
    """Each event's features (counted), list flags and the engine's decision; the rule hits per day."""
    engine = ready.engine
    listed, model_version = engine.lists, engine.model_version
    now = timezone.now()
    rows: list[Decided] = []
    hits: Counter[tuple[int, date]] = Counter()
    values = backend().apply_batch(events, ready.touched)
    # Looked up once: timezone.localtime() finds the current zone again for every call.
    zone = timezone.get_current_timezone()
    for event, features in zip(events, values, strict=True):
        shopper = ready.credits.get(event.user) or _UNKNOWN_SHOPPER
        local = event.occurred_at.astimezone(zone)
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
            Decided(
                event.id,
                event.type,
                event.occurred_at,
                now,
                attrs,
                features,
                result.decision,
                result.score,
                result.reasons,
                result.rule_hits,
                result.shadow_hits,
                model_version,
                event.user,
                event.device,
                event.ip,
                event.payment_fingerprint,
                event.address,
                event.email,
                event.merchant,
                event.order,
                event.listing,
                event.amount_exact,
            )
        )
    return rows, hits


def _store(events: list[Event], rows: list[Decided], hits: Counter[tuple[int, date]]) -> None:
    """The decided events, their rule hits, and what they set off. Inside the caller's transaction."""
    insert(rows)
    if hits:
        with connection.cursor() as cursor:
            cursor.executemany(_HITS_UPSERT, [(v, d, n) for (v, d), n in hits.items()])
    _follow_ups(events, rows)
    _note_outcomes(events)


_JSON = {"attrs", "features", "reasons", "rule_hits", "shadow_hits"}
# A decided event's columns, and the month its time falls in (trustdesk.risk.history).
_STORED = (*Decided._fields, "month")


@cache
def _insert_sql(vendor: str) -> str:
    # PostgreSQL is told the JSON columns' type, so their text goes in as it is on both databases.
    marks = ("%s::jsonb" if vendor == "postgresql" and c in _JSON else "%s" for c in _STORED)
    return (
        "INSERT INTO risk_riskevent ("  # noqa: S608
        + ", ".join(f'"{c}"' for c in _STORED)
        + ") VALUES ("
        + ", ".join(marks)
        + ")"
    )


# From model_version on, the columns go in as they are.
_PLAIN_FROM = Decided._fields.index("model_version")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _columns(r: Decided, occurred: Any, received: Any) -> tuple[Any, ...]:
    """A row's values in the insert's column order (`_STORED`), the JSON columns as text, the times
    as given."""
    return (
        r.event_id,
        r.type,
        occurred,
        received,
        _json(r.attrs),
        _json(r.features),
        r.decision,
        r.score,
        _json(r.reasons),
        _json(r.rule_hits),
        _json(r.shadow_hits),
        *r[_PLAIN_FROM:],
        month_of(r.occurred_at),
    )


def insert(rows: list[Decided]) -> None:
    """One executemany insert of plain values (on PostgreSQL, a COPY for more than one row). The ORM's
    bulk_create prepares every field of every row through its field machinery, which on this path
    cost more than the database's own work."""
    if connection.vendor == "postgresql" and len(rows) > 1:
        _copy(rows)
        return
    stamp = connection.ops.adapt_datetimefield_value
    stamps: dict[datetime, Any] = {}
    params: list[tuple[Any, ...]] = []
    for r in rows:
        received = stamps.get(r.received_at)
        if received is None:
            received = stamps[r.received_at] = stamp(r.received_at)
        params.append(_columns(r, stamp(r.occurred_at), received))
    with connection.cursor() as cursor:
        if len(params) == 1:
            # psycopg runs executemany in pipeline mode, whose set-up and sync cost a single event
            # more than the insert itself.
            cursor.execute(_insert_sql(connection.vendor), params[0])
        else:
            cursor.executemany(_insert_sql(connection.vendor), params)


def _copy(rows: list[Decided]) -> None:
    """The rows in one COPY: PostgreSQL then parses and plans one statement, not one per row, and
    psycopg streams the rows without a reply each (in-process, batches of 500: 42 → 30 µs an event).
    A repeated event id fails the COPY as a whole, as it would the insert: the transaction rolls back
    and decide() answers again from what is stored."""
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(_COPY_SQL) as copy,
    ):
        for r in rows:
            copy.write_row(_columns(r, r.occurred_at, r.received_at))


_COPY_SQL = "COPY risk_riskevent (" + ", ".join(f'"{c}"' for c in _STORED) + ") FROM STDIN"


def _follow_ups(events: list[Event], rows: list[Decided]) -> None:
    """What a batch's decisions set off, a statement or two for the whole batch rather than per
    event: a case for each held event, a webhook for each held or blocked one, the alerts. Under an
    attack many of a batch's events are held, and each case and message on its own cost a few
    round trips."""
    from trustdesk.notifications.outbox import enqueue_many
    from trustdesk.risk.cases import open_cases

    held = [r for r in rows if r.decision == "review"]
    if held:
        keys: dict[str, int] = {}
        for first in range(0, len(held), 900):
            ids = [r.event_id for r in held[first : first + 900]]
            keys.update(RiskEvent.objects.filter(event_id__in=ids).values_list("event_id", "pk"))
        open_cases([(keys[r.event_id], r.reasons) for r in held])
    notices = [
        (
            f"risk.{'order_held' if r.decision == 'review' else 'blocked'}",
            {**answer(r), "type": r.type, "order": r.order, "user": r.user},
            f"risk.decision:{r.event_id}",
        )
        for r in rows
        if r.decision in ("review", "block")
    ]
    if notices:
        enqueue_many(notices)
    raised: list[Alert] = []
    for event, row in zip(events, rows, strict=True):
        raised += alerts.detect(event, row.features)
    alerts.store(raised)


_SIGNALS = {"refund.requested": "refunds", "chargeback.received": "chargebacks"}


def _note_outcomes(events: list[Event]) -> None:
    """What refunds and chargebacks tell, for the whole batch at once: the shoppers' credit, and a
    chargeback's order's earlier events as fraud labels (a chargeback is a known outcome). A
    statement or two per batch rather than per event: on PostgreSQL each is a round trip."""
    signals: dict[str, Counter[str]] = {}
    for event in events:
        signal = _SIGNALS.get(event.type)
        if signal:
            signals.setdefault(event.user, Counter())[signal] += 1
    if signals:
        credit.note_many(signals)
    charged = [e for e in events if e.type == "chargeback.received"]
    if charged:
        orders = {e.order for e in charged}
        of_orders = RiskEvent.objects.filter(present("order"), month__in=stored_months(), order__in=orders)
        of_orders.filter(label="").exclude(event_id__in=[e.id for e in charged]).update(
            label=Label.FRAUD, label_source="chargeback"
        )
        ReviewCase.objects.filter(event__in=of_orders, status="open").update(note="chargeback received")

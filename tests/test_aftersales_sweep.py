"""The deadline sweeper's pass: a bounded batch, oldest first, set-based moves equal to one-by-one moves,
a query count that does not grow with the batch, and a claim that reads the partial index."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from test_aftersales_support import delivered_order, open_case, run_due, shop

from trustdesk.aftersales import sweeper
from trustdesk.aftersales.models import Case, CaseEvent, Deadline, Refund, Survey
from trustdesk.core.actors import Actor
from trustdesk.notifications.models import Notification, OutboxMessage
from trustdesk.notifications.services import do_add_endpoint

__all__ = ["shop"]


def _silent_cases(api, count: int, *, start: int = 0, kind: str = "return_refund", reason: str = "no_reason"):
    """One request per order on `count` delivered orders; returns the case ids, oldest first."""
    ids = []
    for n in range(start, start + count):
        order = delivered_order(api, f"o-{n}")
        ids.append(open_case(api, order, kind=kind, reason=reason)["id"])
    return ids


def _footprint(case_id: int, now):
    """Everything a move leaves behind, without ids and with times relative to the sweep."""
    events = [
        (e.from_state, e.to_state, e.actor_kind, e.actor_label, e.reason, e.data, e.at == now)
        for e in CaseEvent.objects.filter(case_id=case_id).order_by("id")
    ]
    deadlines = [
        (d.kind, d.party, d.state, d.due_at - now if d.state == "open" else None, d.breached_at == now)
        for d in Deadline.objects.filter(case_id=case_id).order_by("id")
    ]
    notes = sorted(
        (n.kind, n.title.split(": ", 1)[1], n.shopper_id is not None, n.merchant_id is not None)
        for n in Notification.objects.filter(link=f"/aftersales/{case_id}/")
    )
    case = Case.objects.get(pk=case_id)
    outbox = sorted(
        (m.event_type, m.payload["status"], m.payload["reason"])
        for m in OutboxMessage.objects.filter(payload__case=case_id)
    )
    return events, deadlines, notes, outbox, (case.status, case.resolution, case.first_response_at)


def test_a_bulk_pass_leaves_exactly_what_one_by_one_moves_leave(shop):
    do_add_endpoint(actor=Actor.system("tests"), url="http://127.0.0.1:9/hook", event_types=["*"])
    ids = _silent_cases(shop, 4)
    now = max(d.due_at for d in Deadline.objects.all()) + timedelta(seconds=1)
    # The first case one by one (the path a failed bulk move falls back to), the others in one pass.
    alone = Deadline.objects.select_related("case__order").get(case_id=ids[0])
    assert sweeper.handle(alone, now) is True
    assert run_due(now) == 3
    first = _footprint(ids[0], now)
    assert first[4][0] == "awaiting_return" and first[0][-1][1] == "awaiting_return"
    assert [d[:3] for d in first[1]] == [
        ("merchant_response", "merchant", "breached"),
        ("shopper_ship", "shopper", "open"),
    ]
    assert first[1][1][3] == timedelta(days=7)
    assert len(first[3]) == 2  # opened, then approved: both reach the webhook outbox
    for other in ids[1:]:
        assert _footprint(other, now) == first
    assert run_due(now + timedelta(minutes=1)) == 0  # nothing happens twice


def test_a_pass_takes_at_most_its_batch_oldest_first(shop):
    ids = _silent_cases(shop, 5)
    now = timezone.now() + timedelta(days=3)
    assert run_due(now, batch=2) == 2
    moved = set(Case.objects.filter(status="awaiting_return").values_list("id", flat=True))
    assert moved == set(ids[:2])
    assert run_due(now, batch=2) == 2
    assert run_due(now, batch=2) == 1
    assert run_due(now, batch=2) == 0
    assert Case.objects.filter(status="awaiting_return").count() == 5


def test_the_query_count_of_a_pass_does_not_grow_with_the_batch(shop):
    few = _silent_cases(shop, 2)
    many = _silent_cases(shop, 8, start=10)
    Deadline.objects.filter(case_id__in=many).update(due_at=timezone.now() + timedelta(days=5))
    with CaptureQueriesContext(connection) as small:
        assert run_due(timezone.now() + timedelta(days=3)) == 2
    with CaptureQueriesContext(connection) as large:
        assert run_due(timezone.now() + timedelta(days=6)) == 8
    assert len(large.captured_queries) == len(small.captured_queries)
    assert set(Case.objects.values_list("status", flat=True)) == {"awaiting_return"}
    assert len(few) + len(many) == 10


def test_one_pass_applies_bulk_and_money_consequences_side_by_side(shop):
    [silent] = _silent_cases(shop, 1)
    [refund_only] = _silent_cases(shop, 1, start=1, kind="refund_only", reason="quality")
    [complaint] = _silent_cases(shop, 1, start=2, kind="complaint", reason="service")
    [lapsing] = _silent_cases(shop, 1, start=3)
    # The fourth case was approved earlier and its shopper never shipped.
    approved_at = timezone.now() - timedelta(days=8)
    Deadline.objects.filter(case_id=lapsing).update(due_at=approved_at)
    assert run_due(approved_at + timedelta(seconds=1)) == 1
    assert run_due(timezone.now() + timedelta(days=3)) == 4
    status = dict(Case.objects.values_list("id", "status"))
    assert status[silent] == "awaiting_return"
    assert status[refund_only] == "refunding"
    assert status[complaint] == "escalated"
    assert status[lapsing] == "closed" and Case.objects.get(pk=lapsing).resolution == "lapsed"
    [refund] = Refund.objects.filter(case_id=refund_only)
    assert refund.status == "pending" and refund.amount > 0
    assert Survey.objects.filter(case_id=lapsing).count() == 1
    assert not Deadline.objects.filter(state="open", due_at__lte=timezone.now() + timedelta(days=3)).exists()


def test_the_claim_reads_the_partial_index_of_running_deadlines(db):
    sql = "SELECT id FROM aftersales_deadline WHERE state = 'open' AND due_at <= %s ORDER BY due_at LIMIT 10"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table would otherwise be scanned
            cursor.execute("EXPLAIN " + sql, [timezone.now()])
        elif connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, [timezone.now()])
        else:
            pytest.skip(f"no plan check for {connection.vendor}")
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "aftersales_deadline_open_due" in plan, plan

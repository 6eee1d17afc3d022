"""The simulator's after-sales months: believable requests, delays, misses and disputes, all consistent."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from trustdesk.aftersales.models import Case, CaseEvent, Deadline, Refund, Team

UNTIL = "2026-11-20T21:00:00+08:00"
pytestmark = pytest.mark.django_db


def _simulate() -> str:
    out = StringIO()
    call_command(
        "simulate",
        "--orders=1500",
        "--merchants=8",
        "--shoppers=120",
        "--months=3",
        f"--until={UNTIL}",
        stdout=out,
    )
    return out.getvalue()


def test_months_of_after_sales_are_believable_and_consistent():
    # One simulation, checked from several sides: it is the expensive part.
    summary = _simulate()

    # Requests of every kind, in both languages, opened after delivery, and told in the summary.
    cases = list(Case.objects.select_related("order", "category", "policy"))
    assert len(cases) >= 20
    assert {c.kind for c in cases} >= {"return_refund", "refund_only", "exchange", "complaint"}
    assert {c.language for c in cases} == {"zh", "en"}
    for case in cases:
        assert case.order.delivered_at is not None and case.opened_at > case.order.delivered_at
    assert f"Shoppers opened {len(cases)} after-sales requests" in summary
    # Categories with policies of their own run on their clocks; everything else on the default.
    expected = {"fresh-food": "sim-fresh", "custom-made": "sim-custom"}
    assert {c.policy.code for c in cases} >= {"default", "sim-custom"}
    for case in cases:
        assert case.policy.code == expected.get(case.category.code, "default"), case.number
    custom = next(c for c in cases if c.policy.code == "sim-custom")
    answer = Deadline.objects.filter(case=custom, kind="merchant_response").first()
    assert answer is not None and answer.due_at - answer.started_at == timedelta(hours=72)

    # Every history runs forward in time and ends by the end of the period.
    until = datetime.fromisoformat(UNTIL)
    history = defaultdict(list)
    for case_id, at in CaseEvent.objects.order_by("id").values_list("case_id", "at"):
        history[case_id].append(at)
    for case_id, times in history.items():
        assert times == sorted(times), case_id
        assert times[-1] <= until
    # Nothing fell due before the end without the sweeper acting on it at its due time.
    assert not Deadline.objects.filter(state="open", due_at__lte=until).exists()
    missed = Deadline.objects.filter(state="breached")
    assert missed.count() >= 5
    assert all(d.breached_at == d.due_at for d in missed)

    # Disputes are decided; money never exceeds what was paid for an item.
    assert Case.objects.filter(escalated_at__isnull=False).exists()
    assert Case.objects.filter(decisions__isnull=False).exists()
    assert Refund.objects.filter(status="paid", payer="merchant").exists()
    refunded = Refund.objects.exclude(status="cancelled").values("order_item").annotate(total=Sum("amount"))
    amounts = dict(Case.objects.values_list("order_item_id", "order_item__amount"))
    for row in refunded:
        assert Decimal(row["total"]) <= amounts[row["order_item"]]

    # Shoppers rate settled cases; the desk answers complaints and escalations.
    answered = Case.objects.filter(survey__score__isnull=False)
    assert answered.exists() and answered.filter(resolution="").count() == 0
    assert Team.objects.filter(round_the_clock=False).exists()
    assert Case.objects.filter(team__isnull=False, first_response_at__isnull=False).exists()

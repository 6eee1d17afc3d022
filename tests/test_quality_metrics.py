"""Service quality figures: computed from real cases, shown with charts, drilled down, exported, served."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import timedelta

from test_aftersales_support import delivered_order, merchant, open_case, run_due, shop, shopper

from trustdesk.aftersales.models import Deadline
from trustdesk.merchants.models import Merchant
from trustdesk.quality import metrics

__all__ = ["shop"]


def _three_cases(api):
    order = delivered_order(api)
    # 1: refunded quickly after a merchant answer, rated 5.
    a = open_case(api, order, 0, kind="refund_only", reason="quality")["id"]
    api.post(f"/aftersales/cases/{a}/approval", merchant)
    refund = api.get(f"/aftersales/cases/{a}")[1]["refunds"][0]["id"]
    api.post(f"/aftersales/refunds/{refund}/payment", merchant)
    api.post(f"/aftersales/cases/{a}/survey", {**shopper, "score": 5})
    # 2: the merchant stayed silent: a missed deadline.
    b = open_case(api, order, 1, kind="return_refund", reason="no_reason")["id"]
    run_due(Deadline.objects.get(case_id=b).due_at)
    # 3: a complaint.
    c = open_case(api, order, 1, kind="complaint", reason="service", description="rude")["id"]
    return a, b, c


def test_figures_per_merchant(shop):
    _a, b, c = _three_cases(shop)
    [row] = metrics.compute("merchant", metrics.current_month())
    assert row.cases == 3
    assert row.success_rate == 100.0  # the one finished case was refunded without intervention
    assert row.csat == 100.0
    assert row.sla_breach_rate == 33.3  # case 1 met two (answer, refund), case 2 missed one
    assert row.complaint_rate == 100.0  # one complaint on one order this month
    assert row.completeness == 100.0
    breached = metrics.cases_behind("merchant", str(row.key), metrics.current_month(), "breached")
    assert [x.pk for x in breached] == [b]
    assert [
        x.pk for x in metrics.cases_behind("merchant", str(row.key), metrics.current_month(), "complaints")
    ] == [c]


def test_dashboard_drilldown_csv_and_api(shop, staff_client, api_client):
    _a, b, _c = _three_cases(shop)
    client = staff_client("inspector")
    page = client.get("/quality/")
    assert page.status_code == 200 and b"<svg" in page.content
    # Each bar of a chart is a link to the cases behind it.
    bars = re.findall(r'<a href="([^"]+)"><rect [^>]*class="bar">', page.content.decode())
    assert len(bars) == 3  # one merchant, three charts
    breached_bar = html.unescape(next(bar for bar in bars if "figure=breached" in bar))
    followed = client.get(breached_bar)
    assert followed.status_code == 200 and f"/aftersales/{b}/".encode() in followed.content
    key = Merchant.objects.get(external_id="m-1").pk
    drill = client.get(f"/quality/cases/?dimension=merchant&key={key}&figure=breached")
    assert drill.status_code == 200 and drill.content.count(b"/aftersales/") >= 1
    export = client.get("/quality/export.csv?dimension=merchant")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][0] == "merchant" and rows[1][1] == "3"
    status, body = api_client("quality:read").get("/quality/metrics?dimension=category")
    assert status == 200 and sum(r["cases"] for r in body["rows"]) == 3
    status, body = api_client("quality:read").get("/quality/metrics?dimension=planet")
    assert status == 422


def test_month_bounds_use_the_marketplace_time_zone():
    start, end = metrics.month_bounds("2025-05")
    assert start.utcoffset() == timedelta(hours=8) and (end - start).days == 31


def test_desk_sla_met_per_agent_and_team(shop, make_user):
    from trustdesk.aftersales import desk
    from trustdesk.aftersales.models import Case, Team
    from trustdesk.core.actors import Actor

    team = Team.objects.create(code="t", name="Desk", kinds=["complaint"], first_response_minutes=30)
    fast, slow = make_user("fast-agent", "agent"), make_user("slow-agent", "agent")
    team.members.add(fast, slow)
    order = delivered_order(shop)
    first = Case.objects.get(pk=open_case(shop, order, 0, kind="complaint", reason="service")["id"])
    second = Case.objects.get(pk=open_case(shop, order, 1, kind="complaint", reason="service")["id"])
    for case, agent in ((first, fast), (second, slow)):
        desk.do_assign(case, agent=agent, actor=Actor.for_user(agent))
    desk.do_agent_reply(first, agent=fast, actor=Actor.for_user(fast), body="on it")
    late = Deadline.objects.get(case=second, kind="first_response")
    run_due(late.due_at)
    desk.do_agent_reply(second, agent=slow, actor=Actor.for_user(slow), body="sorry, late")
    by_agent = {r.label: r.sla_met for r in metrics.compute("agent", metrics.current_month())}
    assert by_agent == {"fast-agent": 100.0, "slow-agent": 0.0}
    [by_team] = metrics.compute("team", metrics.current_month())
    assert by_team.label == "Desk" and by_team.sla_met == 50.0

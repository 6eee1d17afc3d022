"""Risk rules in a real browser: an analyst writes a rule (and is told where a mistake is), backtests it
against stored history with known outcomes, shadows it, then activates it; events show the difference."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from risk_fixtures import *  # noqa: F403 (fixtures)
from risk_fixtures import order

from trustdesk.risk.models import Label, RiskEvent, RuleVersion

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_an_analyst_writes_backtests_shadows_and_activates_a_rule(page, live_server, log_in, make_user, api):
    history = {
        "events": [
            order(f"h-{i}", user=f"u-{i}", amount=a) for i, a in enumerate(["20", "900", "1200", "35", "650"])
        ]
    }
    assert api.post("/events", history)[0] == 200
    RiskEvent.objects.filter(event_id__in=["h-1", "h-2"]).update(label=Label.FRAUD)
    RiskEvent.objects.filter(event_id="h-4").update(label=Label.LEGIT)
    make_user("ana", "analyst", totp=False)
    log_in("ana")

    page.goto(f"{live_server.url}/risk/rules/")
    form = page.get_by_test_id("rule-form")
    form.get_by_label("Name").fill("large-orders")
    form.get_by_label("Condition (CEL)").fill("event.type == 'order.created' &&\n  event.amount > '500'")
    form.get_by_label("Action").select_option("review")
    form.get_by_label("Reason").fill("large order")
    form.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("rule-error")).to_contain_text("line 2, column 16")
    expect(page.get_by_test_id("rule-error")).to_contain_text("cannot compare double > string")
    expect(page.get_by_test_id("rule-error-at")).to_have_text("  event.amount > '500'\n               ^")
    assert not RuleVersion.objects.exists()

    form.get_by_label("Condition (CEL)").fill("event.type == 'order.created' &&\n  event.amount > 500.0")
    with page.expect_navigation():
        form.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft")

    page.get_by_role("button", name="Backtest").click()
    backtest = page.get_by_test_id("backtest")
    expect(page.get_by_test_id("backtest-hits")).to_have_text("3")
    expect(backtest.get_by_role("row", name="Events replayed")).to_contain_text("5")
    expect(backtest.get_by_role("row", name="Known fraud hit / total")).to_contain_text("2 / 2")
    expect(backtest.get_by_role("row", name="Known legitimate hit")).to_contain_text("1")
    expect(backtest.get_by_role("row", name="Of which allowed by active rules")).to_contain_text("3")

    with page.expect_navigation():
        page.get_by_role("button", name="Shadow").click()
    expect(page.get_by_test_id("status")).to_have_text("Shadow")
    shadowed = api.post("/events", order("s-1", amount="800"))[1]
    assert shadowed["decision"] == "allow" and shadowed["rule_hits"] == []
    assert RiskEvent.objects.get(event_id="s-1").shadow_hits == ["large-orders@v1"]
    page.reload()
    expect(page.get_by_test_id("total-hits")).to_have_text("1")

    with page.expect_navigation():
        page.get_by_role("button", name="Activate").click()
    expect(page.get_by_test_id("status")).to_have_text("Active")
    acted = api.post("/events", order("a-1", amount="800"))[1]
    assert acted["decision"] == "review" and acted["rule_hits"] == ["large-orders@v1"]
    page.reload()
    expect(page.get_by_test_id("total-hits")).to_have_text("2")
    history_list = page.locator("ul").last
    expect(history_list).to_contain_text("draft → shadow")
    expect(history_list).to_contain_text("shadow → active")

    page.goto(f"{live_server.url}/risk/")
    expect(page.get_by_test_id("cases")).to_contain_text("a-1")

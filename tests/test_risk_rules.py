"""Rules in CEL: checked on save with positions, versioned, shadow vs active, hit counts, backtest."""

from __future__ import annotations

import random

import cel
import pytest
from risk_fixtures import *  # noqa: F403 (fixtures)
from risk_fixtures import ANALYST

from trustdesk.core.errors import InvalidTransition, ValidationFailed
from trustdesk.risk import backtest, ruleset
from trustdesk.risk.cel import CelError, check, compile_rules
from trustdesk.risk.engine import ENV
from trustdesk.risk.models import Label, RiskEvent, RuleHitDaily, RuleVersion


def order(event_id, amount="100.00", user="u-1"):
    return {
        "id": event_id,
        "type": "order.created",
        "user": user,
        "order": "o-" + event_id,
        "merchant": "m",
        "amount": amount,
    }


@pytest.mark.parametrize(
    ("condition", "line", "column", "words"),
    [
        ("event.amount > 100 &&& true", 1, 22, "syntax"),
        ('event.amount > "100"', 1, 14, "cannot compare double > string"),
        ("event.amout > 1", 1, 7, "no field 'amout'"),
        ("features.user_orders_1h + 1.5 > 3", 1, 25, "never mixes int and double"),
        ("event.amount", 1, 7, "must be a bool"),
        ("evt.amount > 1", 1, 1, "undeclared reference"),
        ("event.type == 'x' &&\n  size(event.user) > 'a'", 2, 20, "cannot compare"),
    ],
)
def test_errors_are_reported_with_line_and_column(condition, line, column, words):
    with pytest.raises(CelError) as caught:
        check(condition, ENV)
    assert (caught.value.line, caught.value.column) == (line, column), caught.value
    assert words in str(caught.value)


def test_saving_an_invalid_rule_stores_nothing_and_says_where(db):
    with pytest.raises(ValidationFailed) as caught:
        ruleset.do_save_version(
            actor=ANALYST, name="r", condition="event.amount >", action="block", reason="x"
        )
    assert caught.value.details["line"] == 1 and caught.value.details["column"] == 15
    assert not RuleVersion.objects.exists()


def test_the_api_refuses_an_invalid_rule_with_its_position(api):
    status, body = api.post(
        "/risk/rules", {"name": "r", "condition": "event.amount > 'x'", "action": "block", "reason": "x"}
    )
    assert status == 422 and body["code"] == "invalid_condition"
    assert "line 1, column 14" in body["message"]


SAMPLES = [
    "event.amount > 100.0 && features.user_orders_1h >= 2",
    "event.type == 'order.created' || !(event.user in ['a', 'b'])",
    "event.user.startsWith('u-') && event.ip.contains('10.') && size(event.device) > 2",
    "(features.user_orders_24h * 2 + 1) % 3 == 1 ? event.amount >= 50.0 : event.amount < 20.0",
    "event.user.matches('^u-[0-9]+$') && features.device_users_24h / 2 >= 1",
    "int(event.amount) > features.user_orders_1h * 10",
    "double(features.user_orders_1h) / 3.0 > 0.5 && shopper.credit_tier != 'poor'",
]


def test_the_compiler_agrees_with_the_reference_cel_library():
    """Differential test: trustdesk's compiled rules and the CEL library give the same answers."""
    compiled = compile_rules([(str(i), s) for i, s in enumerate(SAMPLES)], ENV)
    reference = [cel.compile(s) for s in SAMPLES]
    rng = random.Random(3)
    for _ in range(300):
        ctx = {
            "event": {
                "type": rng.choice(["order.created", "login.failed"]),
                "user": rng.choice(["a", "b", "u-12", "u-x"]),
                "ip": rng.choice(["10.0.0.1", "192.168.1.1"]),
                "device": rng.choice(["d", "dev-1"]),
                "amount": rng.choice([0.0, 10.5, 50.0, 99.9, 150.0]),
            },
            "features": {
                n: rng.randint(0, 5) for n in ("user_orders_1h", "user_orders_24h", "device_users_24h")
            },
            "shopper": {"credit_tier": rng.choice(["good", "poor"]), "credit_score": 700},
            "lists": {},
            "model": {"score": 0.0},
        }
        hits, errors = compiled.evaluate(ctx)
        assert not errors
        expected = [i for i, program in enumerate(reference) if program.execute(ctx) is True]
        assert hits == expected, ctx


def test_shadow_rules_are_logged_but_never_act(api, risk_rule):
    risk_rule("big-orders", "event.amount >= 500.0", "block", mode="shadow")
    body = api.post("/events", order("s-1", amount="800.00"))[1]
    assert body["decision"] == "allow" and body["rule_hits"] == []
    assert RiskEvent.objects.get(event_id="s-1").shadow_hits == ["big-orders@v1"]
    assert RuleHitDaily.objects.get().hits == 1


def test_activating_a_version_retires_the_previous_one(api, risk_rule):
    v1 = risk_rule("big", "event.amount >= 500.0", "review")
    v2 = risk_rule("big", "event.amount >= 1000.0", "block")
    v1.refresh_from_db()
    assert (v1.status, v2.status) == ("retired", "active")
    assert api.post("/events", order("a-1", amount="800.00"))[1]["decision"] == "allow"
    assert api.post("/events", order("a-2", amount="1200.00"))[1]["rule_hits"] == ["big@v2"]
    with pytest.raises(InvalidTransition):
        ruleset.do_set_mode(v1, "active", actor=ANALYST)


def test_modes_change_through_the_api_and_are_audited(api):
    status, version = api.post(
        "/risk/rules",
        {"name": "night", "condition": "event.hour < 5", "action": "review", "reason": "night order"},
    )
    assert status == 201 and version["status"] == "draft"
    status, moved = api.post(f"/risk/rules/versions/{version['id']}/mode", {"mode": "shadow"})
    assert status == 200 and moved["status"] == "shadow"
    from trustdesk.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="risk.rule.shadow").exists()


def test_backtest_compares_a_draft_with_active_rules_and_known_outcomes(api, risk_rule):
    risk_rule("huge", "event.amount >= 1000.0", "block")
    for i, amount in enumerate(["50.00", "600.00", "700.00", "1500.00", "20.00"]):
        api.post("/events", order(f"h-{i}", amount=amount, user=f"u-{i}"))
    RiskEvent.objects.filter(event_id__in=["h-1", "h-3"]).update(label=Label.FRAUD)
    RiskEvent.objects.filter(event_id="h-2").update(label=Label.LEGIT)
    draft = risk_rule("large", "event.amount >= 500.0", "review", mode="draft")
    report = backtest.run(draft)
    assert report.evaluated == 5 and report.hits == 3
    assert report.hits_also_flagged_by_active == 1 and report.hits_allowed_by_active == 2
    assert (report.fraud_hit, report.fraud_total, report.legit_hit) == (2, 2, 1)
    assert report.precision == pytest.approx(2 / 3, abs=1e-3) and report.recall == 1.0
    status, body = api.post(f"/risk/rules/versions/{draft.pk}/backtest", {})
    assert status == 200 and body["hits"] == 3
    # A backtest changes nothing: the draft is still a draft and no hits were counted for it.
    draft.refresh_from_db()
    assert draft.status == "draft" and not RuleHitDaily.objects.filter(version=draft).exists()

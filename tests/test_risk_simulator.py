"""The simulator's risk traffic: attacks mixed into ordinary traffic, labelled, decided and measured."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.risk.models import Alert, ReviewCase, RiskEvent, RiskModel, RuleVersion
from trustdesk.simulator import attacks
from trustdesk.simulator.world import PREFIX

SMALL = ["--orders=400", "--merchants=4", "--shoppers=60", "--months=2"]
UNTIL = "--until=2026-11-20T21:00:00+08:00"


@pytest.fixture
def simulated(db):
    out = StringIO()
    call_command("simulate", *SMALL, UNTIL, stdout=out)
    return out.getvalue()


def test_every_event_is_decided_and_carries_its_ground_truth(simulated):
    events = RiskEvent.objects.filter(event_id__startswith=PREFIX)
    assert events.count() > 1000
    assert not events.filter(label="").exists()
    assert set(events.values_list("label_source", flat=True)) == {"simulator"}
    fraud = events.filter(label="fraud")
    # Attacks are a minority mixed into ordinary traffic, of every kind.
    assert 0.02 < fraud.count() / events.count() < 0.3
    users = set(fraud.values_list("user", flat=True))
    for marker in ("ct", "pa", "ra", "fr"):
        assert any(u.startswith(f"{PREFIX}{marker}") for u in users), marker
    assert fraud.filter(type="account.changed").exists()  # takeovers of real shoppers
    assert fraud.filter(type="chargeback.received").exists()  # rings' orders come back
    assert fraud.filter(type="message.sent").exists()  # off-platform payment requests
    assert "The risk engine decided" in simulated


def test_attacks_are_caught_and_ordinary_shoppers_are_left_alone(simulated):
    flagged = RiskEvent.objects.filter(event_id__startswith=PREFIX, decision__in=("review", "block"))
    legit = RiskEvent.objects.filter(event_id__startswith=PREFIX, label="legit")
    assert flagged.filter(label="fraud").count() >= 0.3 * RiskEvent.objects.filter(label="fraud").count()
    assert flagged.filter(label="legit").count() <= 0.02 * legit.count()
    assert RuleVersion.objects.filter(status="active").count() == len(attacks.STARTER_RULES)
    assert ReviewCase.objects.exists()
    kinds = set(Alert.objects.values_list("kind", flat=True))
    assert {"card_testing", "refund_abuse", "account_takeover"} <= kinds
    card_alert = Alert.objects.filter(kind="card_testing").first()
    assert card_alert.subject.startswith("fp_stolen_") and card_alert.evidence["failures_10m"] >= 5


def test_the_model_is_trained_on_the_first_part_and_decides_the_rest(simulated):
    model = RiskModel.objects.get(active=True)
    assert model.metrics["roc_auc"] > 0.8 and model.metrics["pr_auc"] > 0.5
    scored = RiskEvent.objects.filter(event_id__startswith=PREFIX, model_version=model.version)
    unscored = RiskEvent.objects.filter(event_id__startswith=PREFIX, model_version__isnull=True)
    assert scored.exists() and unscored.exists()
    assert (
        scored.order_by("occurred_at").first().occurred_at
        >= unscored.order_by("-occurred_at").first().occurred_at
    )
    assert "ROC-AUC" in simulated

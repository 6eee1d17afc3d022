"""`trustdesk risk train`: a gradient-boosting model on labelled outcomes, scored by compiled trees."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.risk import ml
from trustdesk.risk.models import Label, RiskEvent, RiskModel


def _labelled_history(api, n=160):
    rng = random.Random(5)
    events = []
    for i in range(n):
        fraud = i % 4 == 0
        events.append(
            {
                "id": f"t-{i}",
                "type": "order.created",
                "user": f"ring-{i % 3}" if fraud else f"user-{i}",
                "device": "ring-dev" if fraud else f"dev-{i}",
                "order": f"o-{i}",
                "merchant": "m",
                "amount": f"{rng.uniform(800, 3000) if fraud else rng.uniform(10, 400):.2f}",
            }
        )
    assert api.post("/events", {"events": events})[0] == 200
    for i in range(n):
        RiskEvent.objects.filter(event_id=f"t-{i}").update(label=Label.FRAUD if i % 4 == 0 else Label.LEGIT)


def test_train_needs_labels(db):
    with pytest.raises(CommandError, match="labelled events"):
        call_command("risk", "train")


def test_train_scores_new_events_and_explains_them(api, staff_client):
    _labelled_history(api)
    out = StringIO()
    call_command("risk", "train", stdout=out)
    model = RiskModel.objects.get(active=True)
    assert "ROC-AUC" in out.getvalue() and model.metrics["roc_auc"] > 0.9
    # The compiled trees give the same probability as scikit-learn would.
    body = api.post(
        "/events",
        {
            "id": "new-1",
            "type": "order.created",
            "user": "ring-1",
            "device": "ring-dev",
            "order": "o",
            "merchant": "m",
            "amount": "2500.00",
        },
    )[1]
    assert body["score"] >= 0.8 and body["decision"] in ("review", "block")
    stored = RiskEvent.objects.get(event_id="new-1")
    assert stored.model_version == model.version
    top = ml.contributions(model, ml.stored_vector(stored))
    assert top and top[0][1] > 0
    page = staff_client("analyst").get(f"/risk/events/{stored.pk}/")
    assert top[0][0] in page.content.decode()
    calm = api.post(
        "/events",
        {
            "id": "new-2",
            "type": "order.created",
            "user": "fresh",
            "device": "d-new",
            "order": "o2",
            "merchant": "m",
            "amount": "30.00",
        },
    )[1]
    assert calm["score"] < 0.5 and calm["decision"] == "allow"


def test_compiled_model_matches_scikit_learn(api):
    from sklearn.ensemble import GradientBoostingClassifier

    _labelled_history(api, n=80)
    xs, ys = ml.labelled_data()
    classifier = GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=1).fit(xs, ys)
    model = RiskModel(version=99, features=[], trees=ml._export(classifier))
    compiled = ml.compile_model(model)
    for x, expected in zip(xs[:20], classifier.predict_proba(xs[:20])[:, 1], strict=True):
        assert compiled.raw(x) == pytest.approx(expected, abs=1e-9)

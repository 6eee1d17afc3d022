"""The risk model: gradient boosting trained on labelled outcomes, stored as plain trees, compiled to
Python for scoring, and explained per decision by path attribution over its trees.

Scoring a stored model needs no scikit-learn at run time: each tree becomes one nested conditional
expression, which keeps a score at a few microseconds (bench/bench_risk_engine.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from trustdesk.audit.services import record
from trustdesk.core.actors import Actor
from trustdesk.core.errors import ValidationFailed
from trustdesk.risk.models import Label, RiskEvent, RiskModel

# (name, where it is read from in the engine's context)
MODEL_FEATURES: tuple[tuple[str, str], ...] = (
    ("amount", "event"),
    ("user_orders_1h", "features"),
    ("user_amount_24h", "features"),
    ("user_payment_failures_1h", "features"),
    ("user_account_changes_24h", "features"),
    ("user_refunds_7d", "features"),
    ("user_device_events_7d", "features"),
    ("device_users_24h", "features"),
    ("card_failures_10m", "features"),
    ("card_users_7d", "features"),
    ("address_users_7d", "features"),
    ("credit_score", "shopper"),
)
MIN_LABELS = 20


def vector(ctx: dict[str, dict[str, Any]]) -> list[float]:
    return [float(ctx[source].get(name, 0) or 0) for name, source in MODEL_FEATURES]


def stored_vector(event: RiskEvent) -> list[float]:
    """The same vector from an event's stored, point-in-time features."""
    values = {**event.features, "amount": float(event.amount or 0)}
    return [float(values.get(name, 0) or 0) for name, _ in MODEL_FEATURES]


def _tree_expression(tree: dict[str, list[Any]], node: int = 0) -> str:
    left, right = tree["left"][node], tree["right"][node]
    if left < 0:
        return repr(tree["value"][node])
    feature, threshold = tree["feature"][node], tree["threshold"][node]
    return (
        f"({_tree_expression(tree, left)} if x[{feature}] <= {threshold!r} "
        f"else {_tree_expression(tree, right)})"
    )


@dataclass(frozen=True)
class CompiledModel:
    version: int
    raw: Any  # the scoring function of a feature vector

    def __call__(self, ctx: dict[str, dict[str, Any]]) -> float:
        return float(self.raw(vector(ctx)))


def compile_model(model: RiskModel) -> CompiledModel:
    spec = model.trees
    body = " + ".join(_tree_expression(tree) for tree in spec["trees"]) or "0.0"
    source = (
        "def _score(x):\n"
        f"    raw = {spec['init']!r} + {spec['learning_rate']!r} * ({body})\n"
        "    return 1.0 / (1.0 + _exp(-raw))\n"
    )
    namespace: dict[str, Any] = {"_exp": math.exp}
    # Generated from numbers of a stored model only; no text from outside reaches it.
    exec(compile(source, f"<model v{model.version}>", "exec"), namespace)  # noqa: S102
    return CompiledModel(model.version, namespace["_score"])


def contributions(model: RiskModel, x: Sequence[float], top: int = 5) -> list[tuple[str, float]]:
    """Each feature's share of the raw score: the change in node value along the path, per split."""
    spec = model.trees
    totals = [0.0] * len(MODEL_FEATURES)
    for tree in spec["trees"]:
        node = 0
        while tree["left"][node] >= 0:
            feature = tree["feature"][node]
            child = tree["left"][node] if x[feature] <= tree["threshold"][node] else tree["right"][node]
            totals[feature] += spec["learning_rate"] * (tree["value"][child] - tree["value"][node])
            node = child
    ranked = sorted(zip((n for n, _ in MODEL_FEATURES), totals, strict=True), key=lambda p: -abs(p[1]))
    return [(name, round(value, 4)) for name, value in ranked[:top] if value]


def _export(classifier: Any) -> dict[str, Any]:
    trees = []
    for estimator in classifier.estimators_[:, 0]:
        t = estimator.tree_
        trees.append(
            {
                "feature": [int(v) for v in t.feature],
                "threshold": [float(v) for v in t.threshold],
                "left": [int(v) for v in t.children_left],
                "right": [int(v) for v in t.children_right],
                "value": [float(v) for v in t.value[:, 0, 0]],
            }
        )
    prior = float(classifier.init_.class_prior_[1])
    return {
        "init": math.log(prior / (1 - prior)),
        "learning_rate": float(classifier.learning_rate),
        "trees": trees,
    }


def labelled_data() -> tuple[list[list[float]], list[int]]:
    rows = RiskEvent.objects.exclude(label="").only("features", "amount", "label")
    xs, ys = [], []
    for event in rows.iterator(chunk_size=2000):
        xs.append(stored_vector(event))
        ys.append(1 if event.label == Label.FRAUD else 0)
    return xs, ys


def train(*, actor: Actor, seed: int = 7, test_size: float = 0.25) -> RiskModel:
    """Fit on labelled events, measure on a held-out split, store as the new active version."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import train_test_split

    xs, ys = labelled_data()
    if len(ys) < MIN_LABELS or len(set(ys)) < 2:
        raise ValidationFailed(
            f"training needs at least {MIN_LABELS} labelled events of both outcomes; found {len(ys)} "
            f"({sum(ys)} fraud). Label events by deciding review cases, or run the simulator.",
            code="not_enough_labels",
        )
    x_train, x_test, y_train, y_test = train_test_split(
        xs, ys, test_size=test_size, random_state=seed, stratify=ys
    )
    classifier = GradientBoostingClassifier(
        n_estimators=100, max_depth=3, learning_rate=0.1, random_state=seed
    )
    classifier.fit(x_train, y_train)
    probabilities = classifier.predict_proba(x_test)[:, 1]
    metrics = {
        "roc_auc": round(float(roc_auc_score(y_test, probabilities)), 4),
        "pr_auc": round(float(average_precision_score(y_test, probabilities)), 4),
        "train_rows": len(y_train),
        "test_rows": len(y_test),
        "fraud_share": round(sum(ys) / len(ys), 4),
    }
    with transaction.atomic():
        last = RiskModel.objects.order_by("-version").first()
        RiskModel.objects.filter(active=True).update(active=False)
        model = RiskModel.objects.create(
            version=(last.version + 1) if last else 1,
            features=[name for name, _ in MODEL_FEATURES],
            trees=_export(classifier),
            metrics=metrics,
            active=True,
        )
        record(actor, "risk.model.train", target=model, details=metrics)
        from trustdesk.risk.ruleset import bump_generation

        bump_generation()
    return model

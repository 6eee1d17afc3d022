"""Backtesting: replay stored events, with the features they had at the time, through a draft rule
and compare what it would have hit with what the active rules did and with known outcomes.

List memberships are replayed as they are now (lists keep no history), and the model score is the
one stored with each event.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from trustdesk.risk.cel import compile_rules
from trustdesk.risk.credit import TIERS
from trustdesk.risk.engine import ENV, NO_LISTS
from trustdesk.risk.features.base import empty_features
from trustdesk.risk.models import ENTITY_COLUMNS, Label, RiskEvent, RuleVersion

MAX_EVENTS = 200_000
_FIELDS = [
    "event_id",
    "type",
    "occurred_at",
    *ENTITY_COLUMNS,
    "amount",
    "attrs",
    "features",
    "decision",
    "score",
    "label",
]


@dataclass
class BacktestReport:
    version_id: int
    evaluated: int = 0
    hits: int = 0
    errors: int = 0
    hits_also_flagged_by_active: int = 0
    hits_allowed_by_active: int = 0
    fraud_total: int = 0
    fraud_hit: int = 0
    legit_hit: int = 0
    unlabelled_hit: int = 0
    per_day: list[tuple[str, int]] = field(default_factory=list)
    sample: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        labelled = self.fraud_hit + self.legit_hit
        return round(self.fraud_hit / labelled, 4) if labelled else None

    @property
    def recall(self) -> float | None:
        return round(self.fraud_hit / self.fraud_total, 4) if self.fraud_total else None


def _tier(score: int) -> str:
    return next(name for floor, name in TIERS if score >= floor)


def stored_context(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    attrs = row["attrs"] or {}
    features = {**empty_features(), **(row["features"] or {})}
    credit_score = int(features.pop("credit_score", 700))
    return {
        "event": {
            "type": row["type"],
            **{column: row[column] for column in ENTITY_COLUMNS},
            "amount": float(row["amount"] or 0),
            "previous_amount": float(attrs.get("previous_amount", 0)),
            "currency": attrs.get("currency", "CNY"),
            "change": attrs.get("change", ""),
            "message_verdict": (attrs.get("message") or {}).get("verdict", ""),
            "hour": timezone.localtime(row["occurred_at"]).hour,
        },
        "features": features,
        "lists": dict(NO_LISTS),
        "model": {"score": row["score"]},
        "shopper": {"credit_score": credit_score, "credit_tier": _tier(credit_score)},
    }


def run(
    version: RuleVersion, *, since: datetime | None = None, until: datetime | None = None
) -> BacktestReport:
    compiled = compile_rules([(version.key, version.condition)], ENV)
    rows = RiskEvent.objects.all()
    if since:
        rows = rows.filter(occurred_at__gte=since)
    if until:
        rows = rows.filter(occurred_at__lt=until)
    report = BacktestReport(version.pk)
    per_day: Counter[str] = Counter()
    for row in rows.order_by("-occurred_at").values(*_FIELDS)[:MAX_EVENTS].iterator(chunk_size=5000):
        report.evaluated += 1
        if row["label"] == Label.FRAUD:
            report.fraud_total += 1
        hits, errors = compiled.evaluate(stored_context(row))
        report.errors += len(errors)
        if not hits:
            continue
        report.hits += 1
        per_day[timezone.localdate(row["occurred_at"]).isoformat()] += 1
        if row["decision"] in ("review", "block"):
            report.hits_also_flagged_by_active += 1
        else:
            report.hits_allowed_by_active += 1
        if row["label"] == Label.FRAUD:
            report.fraud_hit += 1
        elif row["label"] == Label.LEGIT:
            report.legit_hit += 1
        else:
            report.unlabelled_hit += 1
        if len(report.sample) < 20:
            report.sample.append(row["event_id"])
    report.per_day = sorted(per_day.items())
    return report

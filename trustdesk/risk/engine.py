"""The decision core: rules, list memberships and the model score in, allow/review/block out.

Pure and in-process: it reads nothing from the database or Redis, so its cost is the compiled rule set
plus the compiled model, and it can be measured alone (bench/bench_risk_engine.py).

Precedence: a block (list or rule) wins; then an allow (list or rule); then a review (rule, or the
model's score at or above REVIEW_AT); a score at or above BLOCK_AT blocks on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from trustdesk.risk.cel import CompiledRuleSet, Env, compile_rules
from trustdesk.risk.features.base import FEATURES
from trustdesk.risk.models import ListKind

REVIEW_AT = 0.8
BLOCK_AT = 0.97

EVENT_FIELDS = {
    "type": "string",
    "user": "string",
    "device": "string",
    "ip": "string",
    "payment_fingerprint": "string",
    "address": "string",
    "email": "string",
    "merchant": "string",
    "order": "string",
    "listing": "string",
    "amount": "double",
    "previous_amount": "double",
    "currency": "string",
    "change": "string",
    "message_verdict": "string",
    "hour": "int",
}
LIST_FIELDS = {f"{kind}_{action}": "bool" for kind in ListKind.values for action in ("blocked", "allowed")}
ENV = Env(
    messages={
        "event": EVENT_FIELDS,
        "features": {f.name: "double" if f.agg == "sum" else "int" for f in FEATURES},
        "lists": LIST_FIELDS,
        "model": {"score": "double"},
        "shopper": {"credit_score": "int", "credit_tier": "string"},
    }
)
NO_LISTS = dict.fromkeys(LIST_FIELDS, False)


@dataclass(frozen=True)
class RuleMeta:
    version_id: int
    key: str
    action: str
    reason: str


@dataclass
class Verdict:
    decision: str
    score: float
    reasons: list[str]
    rule_hits: list[str]
    shadow_hits: list[str] = field(default_factory=list)
    hit_version_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


Scorer = Callable[[dict[str, Any]], float]


def _no_rules() -> CompiledRuleSet:
    return compile_rules([], ENV)


class Engine:
    def __init__(
        self,
        active: Sequence[tuple[RuleMeta, str]] = (),
        shadow: Sequence[tuple[RuleMeta, str]] = (),
        scorer: Scorer | None = None,
        model_version: int | None = None,
        lists: Any = None,
    ) -> None:
        self.lists = lists or {}
        self.active_meta = [m for m, _ in active]
        self.shadow_meta = [m for m, _ in shadow]
        self.active = compile_rules([(m.key, src) for m, src in active], ENV) if active else _no_rules()
        self.shadow = compile_rules([(m.key, src) for m, src in shadow], ENV) if shadow else _no_rules()
        self.scorer = scorer
        self.model_version = model_version

    def decide(self, ctx: dict[str, dict[str, Any]]) -> Verdict:
        """`ctx` holds event, features, lists, shopper; the model score is added here."""
        score = self.scorer(ctx) if self.scorer is not None else 0.0
        ctx["model"] = {"score": score}
        hits, errors = self.active.evaluate(ctx)
        reasons: list[str] = []
        lists = ctx["lists"]
        blocked_by_list = [name[:-8] for name, on in lists.items() if on and name.endswith("_blocked")]
        allowed_by_list = [name[:-8] for name, on in lists.items() if on and name.endswith("_allowed")]
        actions = set()
        for index in hits:
            meta = self.active_meta[index]
            actions.add(meta.action)
            reasons.append(meta.reason)
        if blocked_by_list:
            reasons += [f"{kind} is on the block list" for kind in blocked_by_list]
            decision = "block"
        elif "block" in actions:
            decision = "block"
        elif allowed_by_list or "allow" in actions:
            reasons += [f"{kind} is on the allow list" for kind in allowed_by_list]
            decision = "allow"
        elif score >= BLOCK_AT:
            reasons.append(f"model score {score:.2f} is at or above {BLOCK_AT}")
            decision = "block"
        elif "review" in actions or score >= REVIEW_AT:
            if score >= REVIEW_AT:
                reasons.append(f"model score {score:.2f} is at or above {REVIEW_AT}")
            decision = "review"
        else:
            decision = "allow"
        shadow_hits: list[int] = []
        if self.shadow_meta:
            shadow_hits, _shadow_errors = self.shadow.evaluate(ctx)
        return Verdict(
            decision=decision,
            score=round(score, 4),
            reasons=reasons,
            rule_hits=[self.active_meta[i].key for i in hits],
            shadow_hits=[self.shadow_meta[i].key for i in shadow_hits],
            hit_version_ids=[self.active_meta[i].version_id for i in hits]
            + [self.shadow_meta[i].version_id for i in shadow_hits],
            errors=[self.active_meta[i].key for i in errors],
        )

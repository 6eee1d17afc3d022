"""Rules and their versions: write a draft, shadow it, activate it, retire it; and the engine every
process builds from the current versions.

A version's condition is checked on save (syntax and types, with line and column). Activating or
shadowing a version retires the rule's previous version in that mode, so a rule has at most one active
and one shadow version. Each change moves the shared generation; processes rebuild their engine when
they see it move (checked at most once a second, or at once in the process that made the change).
"""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import F

from trustdesk.audit.services import record
from trustdesk.core.actors import Actor
from trustdesk.core.errors import NotFound, ValidationFailed
from trustdesk.core.statemachine import StateMachine
from trustdesk.risk.cel import CelError, check
from trustdesk.risk.engine import ENV, Engine, RuleMeta
from trustdesk.risk.models import (
    RiskModel,
    RiskState,
    Rule,
    RuleAction,
    RuleStatus,
    RuleVersion,
    RuleVersionEvent,
)

S = RuleStatus
LIFECYCLE = StateMachine(
    field="status",
    transitions={
        S.DRAFT: {S.SHADOW, S.ACTIVE, S.RETIRED},
        S.SHADOW: {S.ACTIVE, S.RETIRED, S.DRAFT},
        S.ACTIVE: {S.RETIRED},
        S.RETIRED: set(),
    },
    event_model=RuleVersionEvent,
    subject_field="version",
)
RECHECK_SECONDS = 1.0


def check_condition(condition: str) -> None:
    """Raise ValidationFailed with the line and column of the first syntax or type error."""
    try:
        check(condition, ENV)
    except CelError as exc:
        raise ValidationFailed(
            f"condition, line {exc.line}, column {exc.column}: {exc.message}",
            code="invalid_condition",
            details={"line": exc.line, "column": exc.column, "offset": exc.pos, "message": exc.message},
        ) from None


def do_save_version(
    *, actor: Actor, name: str, condition: str, action: str, reason: str, description: str = ""
) -> RuleVersion:
    """A new draft version of the rule `name` (created if new)."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed("a rule needs a name of 1 to 80 characters", code="invalid_name")
    if action not in RuleAction.values:
        raise ValidationFailed(f"action must be one of {', '.join(RuleAction.values)}", code="invalid_action")
    if not reason.strip():
        raise ValidationFailed("a rule needs a reason, shown with every decision it makes", code="no_reason")
    check_condition(condition)
    with transaction.atomic():
        rule, _ = Rule.objects.get_or_create(
            name=name, defaults={"created_by": actor.label, "description": description}
        )
        last = rule.versions.order_by("-number").first()
        version = RuleVersion.objects.create(
            rule=rule,
            number=(last.number + 1) if last else 1,
            condition=condition,
            action=action,
            reason=reason.strip()[:200],
            created_by=actor.label,
        )
        LIFECYCLE.record_initial(version, actor)
        record(actor, "risk.rule.save", target=version, details={"rule": name, "number": version.number})
    return version


def get_version(pk: int) -> RuleVersion:
    version = RuleVersion.objects.select_related("rule").filter(pk=pk).first()
    if version is None:
        raise NotFound(f"no rule version {pk}")
    return version


def do_set_mode(version: RuleVersion, mode: str, *, actor: Actor, reason: str = "") -> RuleVersion:
    """Move a version to shadow, active or retired; the rule's previous version in that mode retires."""
    with transaction.atomic():
        if mode in (S.SHADOW, S.ACTIVE):
            for previous in RuleVersion.objects.filter(rule=version.rule, status=mode).exclude(pk=version.pk):
                LIFECYCLE.move(previous, S.RETIRED, actor=actor, reason=f"replaced by v{version.number}")
        LIFECYCLE.move(version, mode, actor=actor, reason=reason)
        record(actor, f"risk.rule.{mode}", target=version, reason=reason, details={"rule": version.rule.name})
        bump_generation()
    return version


def bump_generation() -> None:
    """Tell every process to rebuild its engine; call inside the transaction of the change."""
    state, _ = RiskState.objects.get_or_create(pk=1)
    RiskState.objects.filter(pk=state.pk).update(generation=F("generation") + 1)
    # Now for this process (its own next decision must see the change), and again once committed.
    invalidate()
    transaction.on_commit(invalidate)


def _metas(status: str) -> list[tuple[RuleMeta, str]]:
    versions = RuleVersion.objects.filter(status=status).select_related("rule").order_by("rule__name")
    return [(RuleMeta(v.pk, v.key, v.action, v.reason), v.condition) for v in versions]


def build_engine() -> Engine:
    from trustdesk.risk.lists import snapshot
    from trustdesk.risk.ml import compile_model

    model = RiskModel.objects.filter(active=True).first()
    scorer = compile_model(model) if model else None
    return Engine(_metas(S.ACTIVE), _metas(S.SHADOW), scorer, model.version if model else None, snapshot())


class _Cache:
    engine: Engine | None = None
    generation: int = -1
    checked_at: float = 0.0


def invalidate() -> None:
    _Cache.checked_at = 0.0
    _Cache.generation = -1


def current_engine() -> Engine:
    now = time.monotonic()
    if _Cache.engine is None or now - _Cache.checked_at > RECHECK_SECONDS:
        generation = RiskState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0
        if _Cache.engine is None or generation != _Cache.generation:
            _Cache.engine = build_engine()
            _Cache.generation = generation
        _Cache.checked_at = now
    return _Cache.engine

"""Spot checks (SPEC C2): a reproducible, risk-weighted sample of listings per period, inspection tasks
for inspectors, and results whose failures become penalties and lower credit.

The draw is weighted sampling without replacement (Efraimidis-Spirakis: each listing gets the key
u ** (1 / weight) from a seeded generator, the largest keys win). The plan stores the seed and the exact
weighted population in draw order, so `redraw(plan)` repeats the draw bit for bit for an auditor.
A listing's weight is its merchant's credit-tier weight, raised when its newest listing check asks for
a revision or blocks, and when its price raised alerts.
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from trustdesk.audit import services as audit
from trustdesk.compliance.models import (
    InspectionEvent,
    InspectionState,
    InspectionTask,
    ListingCheck,
    PriceAlert,
    SamplingPlan,
)
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, NotFound, ValidationFailed
from trustdesk.core.statemachine import StateMachine
from trustdesk.listings.models import Listing, ListingStatus
from trustdesk.merchants.models import CreditScore, MerchantStatus

I = InspectionState  # noqa: E741
INSPECTION = StateMachine(
    field="state",
    transitions={I.OPEN: {I.IN_PROGRESS}, I.IN_PROGRESS: {I.PASSED, I.FAILED}},
    event_model=InspectionEvent,
    subject_field="task",
)
VERDICT_WEIGHT = {"pass": 1.0, "revise": 2.0, "block": 3.0}


def population() -> list[list[Any]]:
    listings = list(
        Listing.objects.filter(status=ListingStatus.ACTIVE)
        .exclude(shop__merchant__status=MerchantStatus.CLOSED)
        .order_by("id")
        .values_list("id", "shop__merchant_id")
    )
    tier_weight = dict(CreditScore.objects.values_list("merchant_id", "spot_check_weight"))
    verdicts = dict(ListingCheck.objects.order_by("at", "id").values_list("listing_id", "verdict"))
    alerted = set(PriceAlert.objects.filter(resolved_at__isnull=True).values_list("listing_id", flat=True))
    rows = []
    for listing_id, merchant_id in listings:
        weight = tier_weight.get(merchant_id, 1.0) * VERDICT_WEIGHT.get(verdicts.get(listing_id, "pass"), 1.0)
        if listing_id in alerted:
            weight *= 1.5
        rows.append([listing_id, round(weight, 4)])
    return rows


def draw(seed: str, rows: list[list[Any]], size: int) -> list[int]:
    rng = random.Random(seed)
    keyed = [(rng.random() ** (1.0 / weight), listing_id) for listing_id, weight in rows]
    keyed.sort(reverse=True)
    return [listing_id for _key, listing_id in keyed[:size]]


def redraw(plan: SamplingPlan) -> list[int]:
    return draw(plan.seed, plan.population, plan.size)


def do_draw_plan(*, actor: Actor, period: str, size: int, seed: str = "") -> SamplingPlan:
    if not period.strip():
        raise ValidationFailed("a plan needs a period, for example 2025-06")
    if size < 1:
        raise ValidationFailed("a plan samples at least one listing")
    if SamplingPlan.objects.filter(period=period).exists():
        raise Conflict(f"period {period} already has a plan; plans are never drawn twice", code="duplicate")
    seed = seed or secrets.token_hex(16)
    rows = population()
    drawn = draw(seed, rows, size)
    weights = dict((listing_id, weight) for listing_id, weight in rows)
    merchants = dict(Listing.objects.filter(pk__in=drawn).values_list("id", "shop__merchant_id"))
    with transaction.atomic():
        plan = SamplingPlan.objects.create(
            period=period, seed=seed, size=size, population=rows, drawn=drawn, created_by=actor.label
        )
        for listing_id in drawn:
            task = InspectionTask.objects.create(
                plan=plan,
                listing_id=listing_id,
                merchant_id=merchants[listing_id],
                weight=weights[listing_id],
            )
            INSPECTION.record_initial(task, actor, f"drawn in plan {period}")
        audit.record(
            actor,
            "spotcheck.plan_drawn",
            target=plan,
            details={"seed": seed, "size": size, "population": len(rows)},
        )
    return plan


def get_plan(period: str) -> SamplingPlan:
    plan = SamplingPlan.objects.filter(period=period).first()
    if plan is None:
        raise NotFound(f"no sampling plan for period {period!r}")
    return plan


def get_task(pk: int) -> InspectionTask:
    task = InspectionTask.objects.select_related("listing", "merchant", "plan").filter(pk=pk).first()
    if task is None:
        raise NotFound(f"no inspection task {pk}")
    return task


def do_start_inspection(task: InspectionTask, *, actor: Actor, inspector: Any = None) -> InspectionTask:
    with transaction.atomic():
        INSPECTION.move(task, I.IN_PROGRESS, actor=actor, extra_updates={"inspector": inspector})
        audit.record(actor, "spotcheck.started", target=task)
    return task


def do_record_result(
    task: InspectionTask,
    *,
    actor: Actor,
    passed: bool,
    findings: str,
    evidence: list[dict[str, Any]],
    penalty_kind: str = "warning",
) -> InspectionTask:
    from trustdesk.merchants import credit
    from trustdesk.merchants.penalties import do_impose_penalty

    if not findings.strip():
        raise ValidationFailed("say what was inspected and what was found")
    if not passed and not evidence:
        raise ValidationFailed("a failed inspection needs evidence")
    to_state = I.PASSED if passed else I.FAILED
    with transaction.atomic():
        INSPECTION.move(
            task,
            to_state,
            actor=actor,
            reason=findings.strip(),
            extra_updates={"findings": findings.strip(), "evidence": evidence, "decided_at": timezone.now()},
        )
        audit.record(actor, f"spotcheck.{to_state}", target=task, reason=findings.strip())
        if passed:
            credit.recompute(task.merchant, reason="spot check passed")
        else:
            listing = task.listing if penalty_kind == "listing_removal" else None
            do_impose_penalty(
                task.merchant,
                penalty_kind,
                actor=actor,
                reason=f"spot check failed: {findings.strip()}",
                evidence=[{"label": "inspection", "ref": f"inspection:{task.pk}"}, *evidence],
                listing=listing,
                source=f"inspection:{task.pk}",
            )
    return task

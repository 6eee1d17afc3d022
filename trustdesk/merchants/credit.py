"""Merchant credit (SPEC C1): a 0-1000 score from a registry of factor providers, a tier A-E, and the
consequences each tier carries.

Each factor provider looks at one kind of evidence and returns points out of its maximum, with a
sentence saying why; the score is the share of all points earned, so adding a provider never needs the
others to change. Parts of the platform that are not built yet (after-sales quality from C6,
complaints from C7, risk signals from C3, fake-review signals from C4) plug in with `register()` from
their own app. `recompute()` is called by every action that changes an input (a penalty, an appeal, an
inspection result, a listing check) so the stored score is never stale for long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from trustdesk.core.errors import Conflict
from trustdesk.merchants.models import CreditScore, Merchant, Penalty, PenaltyState


@dataclass(frozen=True, slots=True)
class FactorResult:
    points: float
    detail: str


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    label: str
    max_points: int
    provider: Callable[[Merchant], FactorResult]


FACTORS: dict[str, Factor] = {}


def register(factor: Factor) -> Factor:
    FACTORS[factor.name] = factor
    return factor


@dataclass(frozen=True, slots=True)
class TierPolicy:
    tier: str
    min_score: int
    listing_limit: int | None
    spot_check_weight: float
    payout_hold: bool


# Lower tiers sell less, are inspected more often and are paid out only after review.
TIERS = [
    TierPolicy("A", 850, None, 0.5, False),
    TierPolicy("B", 700, None, 1.0, False),
    TierPolicy("C", 550, 500, 1.5, False),
    TierPolicy("D", 400, 100, 2.5, True),
    TierPolicy("E", 0, 20, 4.0, True),
]


def policy_for(score: int) -> TierPolicy:
    return next(t for t in TIERS if score >= t.min_score)


def recompute(merchant: Merchant, *, reason: str = "") -> CreditScore:
    rows, earned, possible = [], 0.0, 0
    for factor in FACTORS.values():
        result = factor.provider(merchant)
        points = max(0.0, min(float(factor.max_points), result.points))
        rows.append(
            {
                "factor": factor.name,
                "label": factor.label,
                "points": round(points, 1),
                "max_points": factor.max_points,
                "detail": result.detail,
            }
        )
        earned, possible = earned + points, possible + factor.max_points
    score = round(1000 * earned / possible) if possible else 1000
    policy = policy_for(score)
    credit, _created = CreditScore.objects.update_or_create(
        merchant=merchant,
        defaults={
            "score": score,
            "tier": policy.tier,
            "breakdown": rows,
            "listing_limit": policy.listing_limit,
            "spot_check_weight": policy.spot_check_weight,
            "payout_hold": policy.payout_hold,
            "computed_at": timezone.now(),
            "reason": reason[:64],
        },
    )
    return credit


def credit_of(merchant: Merchant) -> CreditScore:
    existing = CreditScore.objects.filter(merchant=merchant).first()
    return existing or recompute(merchant, reason="first look")


def check_listing_allowed(merchant: Merchant) -> None:
    from trustdesk.listings.models import Listing, ListingStatus

    credit = CreditScore.objects.filter(merchant=merchant).first()
    if credit is None or credit.listing_limit is None:
        return
    active = Listing.objects.filter(shop__merchant=merchant, status=ListingStatus.ACTIVE).count()
    if active >= credit.listing_limit:
        raise Conflict(
            f"credit tier {credit.tier} allows at most {credit.listing_limit} active listings; "
            "delist one or improve the credit score first",
            code="listing_limit",
        )


# --- the factor providers available today ---------------------------------------------------

PENALTY_POINTS = {
    "warning": 30,
    "listing_removal": 60,
    "traffic_restriction": 100,
    "deposit_deduction": 120,
    "suspension": 250,
}


def _penalties(merchant: Merchant) -> FactorResult:
    since = timezone.now() - timedelta(days=365)
    counted = Penalty.objects.filter(
        merchant=merchant,
        decided_at__gte=since,
        state__in=[PenaltyState.DECIDED, PenaltyState.APPEALED, PenaltyState.UPHELD],
    ).values_list("kind", flat=True)
    lost = sum(PENALTY_POINTS.get(kind, 50) for kind in counted)
    return FactorResult(250 - lost, f"{len(counted)} penalties in the last 12 months, -{lost} points")


def _spot_checks(merchant: Merchant) -> FactorResult:
    from trustdesk.compliance.models import InspectionState, InspectionTask

    since = timezone.now() - timedelta(days=180)
    decided = InspectionTask.objects.filter(
        merchant=merchant,
        decided_at__gte=since,
        state__in=[InspectionState.PASSED, InspectionState.FAILED],
    )
    total = decided.count()
    if not total:
        return FactorResult(200, "no spot checks in the last 6 months")
    failed = decided.filter(state=InspectionState.FAILED).count()
    return FactorResult(
        200 * (1 - failed / total) ** 2, f"{failed} of {total} spot checks failed in the last 6 months"
    )


def _listing_compliance(merchant: Merchant) -> FactorResult:
    from trustdesk.compliance.models import ListingCheck

    latest: dict[int, str] = {}
    for listing_id, verdict in (
        ListingCheck.objects.filter(listing__shop__merchant=merchant)
        .order_by("at", "id")
        .values_list("listing_id", "verdict")
    ):
        latest[listing_id] = verdict
    if not latest:
        return FactorResult(150, "no listings checked yet")
    blocked = sum(1 for v in latest.values() if v == "block")
    revise = sum(1 for v in latest.values() if v == "revise")
    share = (blocked + 0.3 * revise) / len(latest)
    return FactorResult(
        150 * (1 - min(1.0, 2 * share)), f"{blocked} blocked and {revise} to revise of {len(latest)} listings"
    )


def _fulfilment(merchant: Merchant) -> FactorResult:
    """Paid orders later cancelled, until the after-sales figures of C6 register their own factor."""
    from trustdesk.orders.models import Order, OrderStatus

    since = timezone.now() - timedelta(days=90)
    paid = Order.objects.filter(shop__merchant=merchant, placed_at__gte=since, paid_at__isnull=False)
    total = paid.count()
    if not total:
        return FactorResult(250, "no paid orders in the last 90 days")
    cancelled = paid.filter(status=OrderStatus.CANCELLED).count()
    return FactorResult(
        250 * (1 - min(1.0, 5 * cancelled / total)),
        f"{cancelled} of {total} paid orders cancelled in the last 90 days",
    )


register(Factor("fulfilment", "Order fulfilment", 250, _fulfilment))
register(Factor("penalties", "Penalties", 250, _penalties))
register(Factor("spot_checks", "Spot checks", 200, _spot_checks))
register(Factor("listing_compliance", "Listing compliance", 150, _listing_compliance))

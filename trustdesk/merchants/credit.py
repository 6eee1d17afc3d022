"""Merchant credit (SPEC C1): a 0-1000 score from a registry of factor providers, a tier A-E, and the
consequences each tier carries.

Each factor provider looks at one kind of evidence and returns points out of its maximum, with a
sentence saying why; the score is the share of all points earned, so adding a provider never needs the
others to change. Factors read what exists today: order fulfilment, after-sales escalations (C5/C6),
complaints, risk and price alerts (C3, C2), penalties, spot checks and listing checks. Signals not built
yet (fake reviews from C4, feedback from C7) plug in with `register()` from their own app.

`recompute()` is called by every governance action that changes an input (a penalty, an appeal, an
inspection result, a listing check). Inputs owned by other capabilities change without telling this
module, so `credit_of()` also recomputes a score older than MAX_AGE before showing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from trustdesk.core.errors import Conflict
from trustdesk.merchants.models import CreditScore, Merchant, MerchantStatus, Penalty, PenaltyState


@dataclass(frozen=True, slots=True)
class FactorResult:
    points: float
    # A sentence saying why, untranslated (mark it with gettext_noop), with its values apart, so the
    # breakdown is stored once and read in each reader's language.
    detail: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.detail % self.params if self.params else self.detail


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


# A merchant under sanction never looks better than its sanction: the score is capped by its status.
STATUS_CAPS = {"warned": 699, "restricted": 549, "suspended": 399, "closed": 0}


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
                "detail": result.text,
                "msgid": result.detail,
                "params": result.params,
            }
        )
        earned, possible = earned + points, possible + factor.max_points
    score = round(1000 * earned / possible) if possible else 1000
    cap = STATUS_CAPS.get(merchant.status)
    if cap is not None and score > cap:
        rows.append(
            {
                "factor": "standing",
                "label": gettext_noop("Standing"),
                "points": cap - score,
                "max_points": 0,
                "detail": f"a {merchant.status} merchant scores at most {cap}",
                "msgid": gettext_noop("a merchant under this status scores at most %(cap)s"),
                "params": {"cap": str(cap)},
            }
        )
        score = cap
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


MAX_AGE = timedelta(hours=1)


def credit_of(merchant: Merchant) -> CreditScore:
    existing = CreditScore.objects.filter(merchant=merchant).first()
    if existing is None:
        return recompute(merchant, reason="first look")
    if existing.computed_at < timezone.now() - MAX_AGE:
        return recompute(merchant, reason="refreshed")
    return existing


def check_listing_allowed(merchant: Merchant) -> None:
    """Refuse one more active listing to a suspended or closed merchant, or beyond the tier's limit."""
    from trustdesk.listings.models import Listing, ListingStatus

    if merchant.status in (MerchantStatus.SUSPENDED, MerchantStatus.CLOSED):
        raise Conflict(
            f"the merchant is {merchant.status}; it may not put listings on sale", code="merchant_inactive"
        )
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
    return FactorResult(
        250 - lost,
        gettext_noop("%(count)s penalties in the last 12 months, -%(lost)s points"),
        {"count": str(len(counted)), "lost": str(lost)},
    )


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
        return FactorResult(200, gettext_noop("no spot checks in the last 6 months"))
    failed = decided.filter(state=InspectionState.FAILED).count()
    return FactorResult(
        200 * (1 - failed / total) ** 2,
        gettext_noop("%(failed)s of %(total)s spot checks failed in the last 6 months"),
        {"failed": str(failed), "total": str(total)},
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
        return FactorResult(150, gettext_noop("no listings checked yet"))
    blocked = sum(1 for v in latest.values() if v == "block")
    revise = sum(1 for v in latest.values() if v == "revise")
    share = (blocked + 0.3 * revise) / len(latest)
    return FactorResult(
        150 * (1 - min(1.0, 2 * share)),
        gettext_noop("%(blocked)s blocked and %(revise)s to revise of %(total)s listings"),
        {"blocked": str(blocked), "revise": str(revise), "total": str(len(latest))},
    )


def _fulfilment(merchant: Merchant) -> FactorResult:
    """Paid orders later cancelled, until the after-sales figures of C6 register their own factor."""
    from trustdesk.orders.models import Order, OrderStatus

    since = timezone.now() - timedelta(days=90)
    paid = Order.objects.filter(shop__merchant=merchant, placed_at__gte=since, paid_at__isnull=False)
    total = paid.count()
    if not total:
        return FactorResult(250, gettext_noop("no paid orders in the last 90 days"))
    cancelled = paid.filter(status=OrderStatus.CANCELLED).count()
    return FactorResult(
        250 * (1 - min(1.0, 5 * cancelled / total)),
        gettext_noop("%(cancelled)s of %(total)s paid orders cancelled in the last 90 days"),
        {"cancelled": str(cancelled), "total": str(total)},
    )


def _after_sales(merchant: Merchant) -> FactorResult:
    """After-sales quality (C5/C6): the share of the merchant's cases the platform had to step into."""
    from trustdesk.aftersales.models import Case, CaseKind

    since = timezone.now() - timedelta(days=90)
    cases = Case.objects.filter(merchant=merchant, opened_at__gte=since).exclude(kind=CaseKind.COMPLAINT)
    total = cases.count()
    if not total:
        return FactorResult(200, gettext_noop("no after-sales requests in the last 90 days"))
    escalated = cases.filter(escalated_at__isnull=False).count()
    return FactorResult(
        200 * (1 - min(1.0, 2.5 * escalated / total)),
        gettext_noop(
            "%(escalated)s of %(total)s after-sales requests needed the platform in the last 90 days"
        ),
        {"escalated": str(escalated), "total": str(total)},
    )


def _complaints(merchant: Merchant) -> FactorResult:
    """Complaints per 100 paid orders over 90 days; five or more take every point."""
    from trustdesk.aftersales.models import Case, CaseKind
    from trustdesk.orders.models import Order

    since = timezone.now() - timedelta(days=90)
    complaints = Case.objects.filter(merchant=merchant, kind=CaseKind.COMPLAINT, opened_at__gte=since).count()
    orders = Order.objects.filter(
        shop__merchant=merchant, placed_at__gte=since, paid_at__isnull=False
    ).count()
    if not complaints:
        return FactorResult(150, gettext_noop("no complaints in the last 90 days"))
    rate = 100 * complaints / max(orders, 1)
    return FactorResult(
        150 * (1 - min(1.0, rate / 5)),
        gettext_noop(
            "%(complaints)s complaints per %(orders)s paid orders in the last 90 days (%(rate)s per 100)"
        ),
        {"complaints": str(complaints), "orders": str(orders), "rate": f"{rate:.1f}"},
    )


def _risk_signals(merchant: Merchant) -> FactorResult:
    """Risk alerts (C3) naming the merchant and open price alerts on its listings, over 90 days."""
    from trustdesk.compliance.models import PriceAlert
    from trustdesk.risk.models import Alert, AlertKind

    since = timezone.now() - timedelta(days=90)
    risk = (
        Alert.objects.filter(raised_at__gte=since)
        .filter(
            Q(kind=AlertKind.MERCHANT_SURGE, subject=merchant.external_id)
            | Q(kind=AlertKind.PRICE_CHANGE, evidence__merchant=merchant.external_id)
        )
        .count()
    )
    prices = PriceAlert.objects.filter(
        listing__shop__merchant=merchant, at__gte=since, resolved_at__isnull=True
    ).count()
    return FactorResult(
        100 - 20 * (risk + prices),
        gettext_noop("%(risk)s risk alerts and %(prices)s open price alerts in the last 90 days"),
        {"risk": str(risk), "prices": str(prices)},
    )


register(Factor("fulfilment", gettext_noop("Order fulfilment"), 250, _fulfilment))
register(Factor("after_sales", gettext_noop("After-sales quality"), 200, _after_sales))
register(Factor("complaints", gettext_noop("Complaints"), 150, _complaints))
register(Factor("risk_signals", gettext_noop("Risk signals"), 100, _risk_signals))
register(Factor("penalties", gettext_noop("Penalties"), 250, _penalties))
register(Factor("spot_checks", gettext_noop("Spot checks"), 200, _spot_checks))
register(Factor("listing_compliance", gettext_noop("Listing compliance"), 150, _listing_compliance))


def shown_breakdown(credit: CreditScore) -> list[dict[str, object]]:
    """The stored breakdown in the reader's language (rows stored before msgids keep their text)."""
    rows = []
    for row in credit.breakdown:
        label, msgid, params = row["label"], row.get("msgid"), row.get("params") or {}
        detail = gettext(msgid) % params if msgid else row["detail"]
        rows.append({**row, "label": gettext(label), "detail": detail})
    return rows

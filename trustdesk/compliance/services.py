"""Running the listing check against stored listings and categories, and keeping what it found.

A blocking verdict takes the listing down at once (status `removed`); once a later edit no longer
blocks, the listing comes back, unless a penalty removed it. Every run is stored, so the console shows
the newest findings with their highlights and credit counts the merchant's standing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from trustdesk.audit import services as audit
from trustdesk.compliance.checker import CategoryFacts, ListingText, Result, check
from trustdesk.compliance.models import ListingCheck, ListingFinding, PriceAlert
from trustdesk.core.actors import Actor
from trustdesk.listings.models import Category, Listing, ListingStatus, PriceChange

# Fewer listings than this say nothing reliable about what a category usually costs.
NORM_MIN_LISTINGS = 5
NORM_SAMPLE = 500
HISTORY_DAYS = 30


def category_norm(category: Category) -> Decimal | None:
    prices = list(
        Listing.objects.filter(category=category, status=ListingStatus.ACTIVE)
        .order_by("-updated_at")
        .values_list("price", flat=True)[:NORM_SAMPLE]
    )
    if len(prices) >= NORM_MIN_LISTINGS:
        return Decimal(median(prices))
    return category.reference_price


def recent_high_price(listing: Listing, at: datetime) -> Decimal | None:
    """The highest price the listing really had in the HISTORY_DAYS before `at`: the price in effect
    when that window opened and every change inside it. None when it had no price before `at`.

    The window is anchored at the write's own time, not the wall clock, so a change recorded with a
    past time (a backfill, the simulator) is judged against the prices of that time."""
    since = at - timedelta(days=HISTORY_DAYS)
    earlier = PriceChange.objects.filter(listing=listing, at__lt=at)
    in_window = earlier.filter(at__gte=since).aggregate(high=Max("new_price"))["high"]
    opening = earlier.filter(at__lt=since).order_by("-at", "-id").values_list("new_price", flat=True).first()
    prices = [p for p in (in_window, opening) if p is not None]
    return max(prices) if prices else None


def facts_for(
    category: Category, listing: Listing | None = None, at: datetime | None = None
) -> CategoryFacts:
    recent_high = None
    if listing is not None and listing.pk:
        recent_high = recent_high_price(listing, at or timezone.now())
    return CategoryFacts(category.is_medical, category_norm(category), recent_high)


def check_values(
    *,
    title: str,
    description: str,
    category: Category,
    price: Decimal,
    brand: str = "",
    original_price: Decimal | None = None,
) -> Result:
    text = ListingText(title, description, price, brand, original_price)
    return check(text, facts_for(category))


def record_check(listing: Listing, *, actor: Actor, trigger: str, at: datetime | None = None) -> ListingCheck:
    """Check a stored listing as written at `at` (default: now) and keep the findings.

    The listing's own history is read strictly before `at`, so the price this write sets never
    vouches for its own "original price"."""
    at = at or timezone.now()
    facts = facts_for(listing.category, listing, at)
    result = check(
        ListingText(listing.title, listing.description, listing.price, listing.brand, listing.original_price),
        facts,
    )
    previous = listing.compliance_checks.first()
    with transaction.atomic():
        run = ListingCheck.objects.create(
            listing=listing, verdict=result.verdict, trigger=trigger, actor_label=actor.label, at=at
        )
        ListingFinding.objects.bulk_create(
            ListingFinding(
                check_run=run,
                code=f.code,
                field=f.field,
                start=f.start,
                end=f.end,
                excerpt=_excerpt(listing, f.field, f.start, f.end),
                message=f.message,
                msgid=f.msgid,
                params=f.params,
            )
            for f in result.findings
        )
        if result.verdict == "block" and listing.status == ListingStatus.ACTIVE:
            _set_status(listing, ListingStatus.REMOVED)
            audit.record(
                actor,
                "listing.blocked",
                target=listing,
                details={"codes": sorted({f.code for f in result.findings})},
            )
        elif (
            result.verdict != "block"
            and previous is not None
            and previous.verdict == "block"
            and listing.status == ListingStatus.REMOVED
            and not _removed_by_penalty(listing)
        ):
            _set_status(listing, ListingStatus.ACTIVE)
            audit.record(actor, "listing.unblocked", target=listing)
    if result.verdict != "pass" or (previous is not None and previous.verdict != "pass"):
        from trustdesk.merchants.credit import recompute

        recompute(listing.shop.merchant, reason="listing check")
    return run


def _set_status(listing: Listing, status: str) -> None:
    listing.status = status
    Listing.objects.filter(pk=listing.pk).update(status=status)


def _removed_by_penalty(listing: Listing) -> bool:
    from trustdesk.merchants.models import Penalty, PenaltyKind, PenaltyState

    return (
        Penalty.objects.filter(listing=listing, kind=PenaltyKind.LISTING_REMOVAL)
        .exclude(state=PenaltyState.OVERTURNED)
        .exists()
    )


def _excerpt(listing: Listing, field: str, start: int, end: int) -> str:
    if field == "original_price":
        return str(listing.original_price)
    return str(getattr(listing, field, ""))[start:end][:200]


def latest_check(listing: Listing) -> ListingCheck | None:
    return listing.compliance_checks.prefetch_related("findings").first()


def do_resolve_price_alert(alert: PriceAlert, *, actor: Actor, note: str = "") -> PriceAlert:
    """An analyst has looked at the alert (a real sale, a corrected typo, or a case opened)."""
    if alert.resolved_at is not None:
        return alert
    with transaction.atomic():
        updated = PriceAlert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        if updated:
            audit.record(actor, "price_alert.resolved", target=alert, reason=note.strip()[:2000])
    alert.refresh_from_db()
    from trustdesk.merchants.credit import recompute

    recompute(alert.listing.shop.merchant, reason="price alert resolved")
    return alert

"""Running the listing check against stored listings and categories, and keeping what it found.

A blocking verdict takes the listing down at once (status `removed`); once a later edit no longer
blocks, the listing comes back, unless a penalty removed it. Every run is stored, so the console shows
the newest findings with their highlights and credit counts the merchant's standing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from statistics import median

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from trustdesk.audit import services as audit
from trustdesk.compliance.checker import CategoryFacts, ListingText, Result, check
from trustdesk.compliance.models import ListingCheck, ListingFinding
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


def facts_for(category: Category, listing: Listing | None = None) -> CategoryFacts:
    recent_high = None
    if listing is not None and listing.pk:
        since = timezone.now() - timedelta(days=HISTORY_DAYS)
        recent_high = PriceChange.objects.filter(listing=listing, at__gte=since).aggregate(
            high=Max("new_price")
        )["high"]
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


def record_check(listing: Listing, *, actor: Actor, trigger: str) -> ListingCheck:
    # The listing's own history is read before this write's price joins it.
    facts = facts_for(listing.category, listing)
    result = check(
        ListingText(listing.title, listing.description, listing.price, listing.brand, listing.original_price),
        facts,
    )
    previous = listing.compliance_checks.first()
    with transaction.atomic():
        run = ListingCheck.objects.create(
            listing=listing, verdict=result.verdict, trigger=trigger, actor_label=actor.label
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

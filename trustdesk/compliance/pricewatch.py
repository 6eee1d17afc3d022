"""Price watch (SPEC C2/C3): a price change far from the listing's own recent prices or from its
category's usual price raises an alert for the analysts, with the baseline it was compared with."""

from __future__ import annotations

from decimal import Decimal
from statistics import median

from trustdesk.compliance.models import PriceAlert, PriceAlertKind
from trustdesk.listings.models import Listing, PriceChange

HISTORY_POINTS = 10
# Halving or doubling against the listing's own median is not a sale, it is a new product or a lure.
HISTORY_LOW, HISTORY_HIGH = Decimal("0.5"), Decimal("2")
CATEGORY_LOW, CATEGORY_HIGH = Decimal("0.2"), Decimal("5")


def _ratio(price: Decimal, baseline: Decimal) -> Decimal:
    return (price / baseline).quantize(Decimal("0.001"))


def watch(listing: Listing, change: PriceChange) -> list[PriceAlert]:
    from trustdesk.compliance.services import category_norm

    alerts = []
    earlier = list(
        PriceChange.objects.filter(listing=listing)
        .exclude(pk=change.pk)
        .order_by("-at", "-id")
        .values_list("new_price", flat=True)[:HISTORY_POINTS]
    )
    if earlier:
        baseline = Decimal(median(earlier))
        ratio = _ratio(change.new_price, baseline)
        if ratio <= HISTORY_LOW or ratio >= HISTORY_HIGH:
            alerts.append(
                PriceAlert(
                    listing=listing,
                    kind=PriceAlertKind.HISTORY,
                    old_price=change.old_price,
                    new_price=change.new_price,
                    baseline=baseline,
                    ratio=ratio,
                    at=change.at,
                )
            )
    norm = category_norm(listing.category)
    if norm:
        ratio = _ratio(change.new_price, norm)
        if ratio <= CATEGORY_LOW or ratio >= CATEGORY_HIGH:
            alerts.append(
                PriceAlert(
                    listing=listing,
                    kind=PriceAlertKind.CATEGORY,
                    old_price=change.old_price,
                    new_price=change.new_price,
                    baseline=norm,
                    ratio=ratio,
                    at=change.at,
                )
            )
    return PriceAlert.objects.bulk_create(alerts)

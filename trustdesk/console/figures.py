"""The live figures on the home dashboard, read in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from trustdesk.console.charts import Point
from trustdesk.listings.models import Listing, ListingStatus
from trustdesk.merchants.models import Merchant, MerchantStatus
from trustdesk.orders.models import Order, OrderStatus


@dataclass(frozen=True)
class Figures:
    active_merchants: int
    merchants_under_watch: int
    active_listings: int
    orders_30d: int
    gmv_30d: Decimal
    cancelled_share_30d: float
    orders_per_day: list[Point]


def dashboard_figures(days: int = 30) -> Figures:
    now = timezone.now()
    since = now - timedelta(days=days)
    merchant_counts = dict(
        Merchant.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    recent = Order.objects.filter(placed_at__gte=since)
    totals = recent.aggregate(n=Count("id"), gmv=Sum("total_amount"))
    cancelled = recent.filter(status=OrderStatus.CANCELLED).count()
    per_day = dict(
        recent.annotate(day=TruncDate("placed_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    today = timezone.localdate(now)
    points = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        points.append(Point(day.strftime("%m-%d"), float(per_day.get(day, 0))))
    orders = totals["n"] or 0
    return Figures(
        active_merchants=merchant_counts.get(MerchantStatus.ACTIVE, 0),
        merchants_under_watch=sum(
            merchant_counts.get(s, 0)
            for s in (MerchantStatus.WARNED, MerchantStatus.RESTRICTED, MerchantStatus.SUSPENDED)
        ),
        active_listings=Listing.objects.filter(status=ListingStatus.ACTIVE).count(),
        orders_30d=orders,
        gmv_30d=totals["gmv"] or Decimal("0"),
        cancelled_share_30d=(cancelled / orders) if orders else 0.0,
        orders_per_day=points,
    )

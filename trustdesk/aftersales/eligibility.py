"""Whether a shopper may open a given request against an order item, and if not, why.

Seven-day no-reason returns (Consumer Rights Protection Law art. 25) are counted from the day after
delivery in the marketplace's time zone: delivered on 3 May, the last day to ask is 10 May. Exempt are
categories the marketplace marks as such (custom-made, fresh/perishable, downloaded or unsealed digital
goods, newspapers and periodicals) and items the shopper confirmed as non-returnable at purchase.
Quality claims run for the category's warranty, and never less than the statutory seven days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery, Sum

from trustdesk.aftersales.models import FINISHED, Case, CaseKind, Reason, Refund, RefundStatus
from trustdesk.orders.models import OrderItem, OrderStatus

NO_REASON_DAYS = 7
QUALITY_REASONS = {Reason.QUALITY, Reason.NOT_AS_DESCRIBED, Reason.DAMAGED, Reason.WRONG_ITEM}
REASONS_FOR_KIND = {
    CaseKind.RETURN_REFUND: {Reason.NO_REASON, *QUALITY_REASONS},
    CaseKind.REFUND_ONLY: {Reason.NOT_RECEIVED, *QUALITY_REASONS},
    CaseKind.EXCHANGE: {Reason.NO_REASON, *QUALITY_REASONS},
    CaseKind.REPAIR: {Reason.QUALITY},
    CaseKind.COMPLAINT: {Reason.SERVICE, Reason.NOT_AS_DESCRIBED, Reason.QUALITY, Reason.OTHER},
}
PAID_STATUSES = {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    code: str = ""
    message: str = ""


def _refused(code: str, message: str) -> Verdict:
    return Verdict(False, code, message)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def window_end(delivered_at: datetime, days: int) -> datetime:
    """The first instant after the last allowed day (days counted from the day after delivery)."""
    zone = local_zone()
    delivered_day = delivered_at.astimezone(zone).date()
    return datetime.combine(delivered_day + timedelta(days=days + 1), datetime.min.time(), zone)


@dataclass(frozen=True)
class Claims:
    """What is already claimed on an item, read together with it (see `with_claims`)."""

    open_case_id: int | None  # an open request other than a complaint, if any
    committed: Decimal  # refunds not cancelled


def with_claims(items: QuerySet[OrderItem]) -> QuerySet[OrderItem]:
    """Items annotated with their claims, so that a hot path reads item and claims in one query.

    Take them off a row with `claims_of`; they are as fresh as the row, so use them at once.
    """
    busy = (
        Case.objects.filter(order_item=OuterRef("pk"))
        .exclude(status__in=FINISHED)
        .exclude(kind=CaseKind.COMPLAINT)
        .order_by()
        .values("pk")[:1]
    )
    committed = (
        Refund.objects.filter(order_item=OuterRef("pk"))
        .exclude(status=RefundStatus.CANCELLED)
        .order_by()
        .values("order_item")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return items.annotate(claim_open_case_id=Subquery(busy), claim_committed=Subquery(committed))


def claims_of(item: OrderItem) -> Claims:
    """The claims of an item read through `with_claims`."""
    open_case_id = item.claim_open_case_id  # type: ignore[attr-defined]
    committed = item.claim_committed  # type: ignore[attr-defined]
    return Claims(open_case_id, Decimal(committed) if committed is not None else Decimal("0"))


def refundable_left(item: OrderItem, claims: Claims | None = None) -> Decimal:
    """What can still be promised back for this item: paid amount less every refund not cancelled."""
    if claims is not None:
        return item.amount - claims.committed
    committed = Refund.objects.filter(order_item=item).exclude(status=RefundStatus.CANCELLED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    return item.amount - committed


def _open_case_number(item: OrderItem, claims: Claims | None) -> str | None:
    if claims is not None:
        return None if claims.open_case_id is None else Case(pk=claims.open_case_id).number
    # The check keeps it to one open request per item, so any will do: no ORDER BY.
    busy = Case.objects.filter(order_item=item).exclude(status__in=FINISHED).exclude(kind=CaseKind.COMPLAINT)
    found = busy.order_by().values_list("pk", flat=True)[:1]
    return Case(pk=found[0]).number if found else None


def check(
    item: OrderItem,
    kind: str,
    reason: str,
    now: datetime,
    quantity: int = 1,
    claims: Claims | None = None,
) -> Verdict:
    """`claims`, when given, were read with the item (`with_claims`) and spare two queries."""
    order = item.order
    if kind not in CaseKind.values:
        return _refused("unknown_kind", f"unknown request type {kind!r}; use one of {', '.join(CaseKind)}")
    if reason not in REASONS_FOR_KIND[CaseKind(kind)]:
        allowed = ", ".join(sorted(REASONS_FOR_KIND[CaseKind(kind)]))
        return _refused("reason_not_allowed", f"a {kind} request needs one of these reasons: {allowed}")
    if order.status not in PAID_STATUSES or order.paid_at is None:
        return _refused("not_paid", f"order {order.external_id} is {order.status}; only paid orders qualify")
    if not 1 <= quantity <= item.quantity:
        return _refused("invalid_quantity", f"quantity must be between 1 and {item.quantity}")
    # Refund without a return trusts the shopper, so it follows shopper credit (SPEC C11); a parcel that
    # never arrived has nothing to return, so it is refunded whatever the credit.
    if kind == CaseKind.REFUND_ONLY and reason != Reason.NOT_RECEIVED:
        from trustdesk.risk.credit import shopper_can_request_refund_only

        allowed_by_credit, why = shopper_can_request_refund_only(order.shopper.external_id)
        if not allowed_by_credit:
            return _refused("credit_restricted", why)
    if kind != CaseKind.COMPLAINT:
        open_number = _open_case_number(item, claims)
        if open_number is not None:
            return _refused(
                "already_open", f"request {open_number} for this item is still open; follow it there"
            )
        if kind != CaseKind.REPAIR and refundable_left(item, claims) <= 0:
            return _refused("fully_refunded", "this item has already been refunded in full")
    if reason == Reason.NOT_RECEIVED:
        if order.delivered_at is not None:
            return _refused(
                "already_delivered",
                "the carrier recorded delivery; if the parcel did not reach you, file a complaint",
            )
        return Verdict(True)
    if order.delivered_at is None and kind != CaseKind.COMPLAINT:
        return _refused("not_delivered", "the order has not been delivered yet")
    if reason == Reason.NO_REASON:
        category = item.category
        if not category.no_reason_return:
            return _refused(
                "exempt_category",
                f"{category.name_en} ({category.name_zh}) is exempt from seven-day no-reason returns "
                "(custom-made, perishable, digital, periodicals); ask for a quality claim if it is faulty",
            )
        if item.non_returnable_confirmed:
            return _refused(
                "confirmed_non_returnable",
                "you confirmed at purchase that this item cannot be returned without a reason",
            )
        assert order.delivered_at is not None
        last = window_end(order.delivered_at, NO_REASON_DAYS)
        if now >= last:
            shown = (last - timedelta(days=1)).date().isoformat()
            return _refused("window_passed", f"the seven-day no-reason window ended on {shown}")
    if reason in QUALITY_REASONS and kind != CaseKind.COMPLAINT and order.delivered_at is not None:
        days = max(item.category.warranty_days, NO_REASON_DAYS)
        if kind == CaseKind.REPAIR and item.category.warranty_days == 0:
            return _refused("no_warranty", "this category carries no warranty; ask for a return or refund")
        last = window_end(order.delivered_at, days)
        if now >= last:
            shown = (last - timedelta(days=1)).date().isoformat()
            return _refused("warranty_expired", f"the {days}-day quality claim period ended on {shown}")
    return Verdict(True)

"""Actions on categories and listings; every price change is kept as history, every write is checked
for compliance (SPEC C2), and a merchant's credit tier caps how many listings it may have active."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from trustdesk.compliance import pricewatch
from trustdesk.compliance.services import record_check
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, NotFound, ValidationFailed
from trustdesk.core.money import to_amount
from trustdesk.listings.models import Category, Listing, ListingStatus, PriceChange
from trustdesk.merchants.credit import check_listing_allowed, recompute
from trustdesk.merchants.models import Shop


def do_create_category(*, code: str, name_en: str, name_zh: str, **extra: Any) -> Category:
    if Category.objects.filter(code=code).exists():
        raise Conflict(f"category {code!r} already exists", code="duplicate")
    parent_code = extra.pop("parent", None)
    if parent_code:
        extra["parent"] = get_category(parent_code)
    return Category.objects.create(code=code, name_en=name_en, name_zh=name_zh, **extra)


def get_category(code: str) -> Category:
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise ValidationFailed(f"unknown category {code!r}", code="unknown_category")
    return category


def _check_prices(price: Decimal, original_price: Decimal | None) -> None:
    if price <= 0:
        raise ValidationFailed("price must be greater than zero", code="invalid_price")
    if original_price is not None and original_price <= 0:
        raise ValidationFailed("original_price must be greater than zero", code="invalid_price")


def do_create_listing(
    shop: Shop,
    *,
    actor: Actor,
    external_id: str,
    title: str,
    category: str,
    price: Decimal,
    description: str = "",
    brand: str = "",
    original_price: Decimal | None = None,
    currency: str = "CNY",
    created_at: Any = None,
) -> Listing:
    _check_prices(price, original_price)
    if Listing.objects.filter(external_id=external_id).exists():
        raise Conflict(f"listing {external_id!r} already exists", code="duplicate")
    check_listing_allowed(shop.merchant)
    when = created_at or timezone.now()
    with transaction.atomic():
        listing = Listing.objects.create(
            shop=shop,
            external_id=external_id,
            title=title,
            description=description,
            category=get_category(category),
            brand=brand,
            price=to_amount(price),
            original_price=to_amount(original_price) if original_price is not None else None,
            currency=currency,
            created_at=when,
            updated_at=when,
        )
        PriceChange.objects.create(listing=listing, old_price=None, new_price=listing.price, at=when)
        record_check(listing, actor=actor, trigger="create", at=when)
    return listing


def get_listing(external_id: str) -> Listing:
    listing = (
        Listing.objects.select_related("shop__merchant", "category").filter(external_id=external_id).first()
    )
    if listing is None:
        raise NotFound(f"no listing {external_id!r}")
    return listing


def do_update_listing(listing: Listing, *, actor: Actor, changes: dict[str, Any], at: Any = None) -> Listing:
    when = at or timezone.now()
    if "category" in changes:
        changes["category"] = get_category(changes["category"])
    new_price = changes.get("price", listing.price)
    _check_prices(new_price, changes.get("original_price", listing.original_price))
    if changes.get("status") == ListingStatus.ACTIVE and listing.status != ListingStatus.ACTIVE:
        if listing.status == ListingStatus.REMOVED:
            raise Conflict(
                "the platform removed this listing; fix what its findings say or appeal the penalty",
                code="listing_removed",
            )
        check_listing_allowed(listing.shop.merchant)
    old_price = listing.price
    for name, value in changes.items():
        setattr(listing, name, value)
    listing.updated_at = when
    with transaction.atomic():
        listing.save()
        record_check(listing, actor=actor, trigger="update", at=when)
        if "price" in changes and to_amount(new_price) != old_price:
            change = PriceChange.objects.create(
                listing=listing, old_price=old_price, new_price=to_amount(new_price), at=when
            )
            if pricewatch.watch(listing, change):
                recompute(listing.shop.merchant, reason="price alert")
    return listing

"""REST endpoints for categories, listings and price history."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.core.money import CURRENCIES
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.listings import services
from trustdesk.listings.models import Category, Listing, ListingStatus
from trustdesk.merchants.services import get_shop

router = Router(tags=["listings"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CategoryIn(StrictIn):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name_en: str = Field(min_length=1, max_length=100)
    name_zh: str = Field(min_length=1, max_length=100)
    parent: str | None = None
    no_reason_return: bool = True
    warranty_days: int = Field(default=0, ge=0, le=3650)
    is_medical: bool = False
    requires_qualification: str = Field(default="", max_length=64)
    reference_price: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)


class CategoryOut(Schema):
    code: str
    name_en: str
    name_zh: str
    no_reason_return: bool
    warranty_days: int
    is_medical: bool
    requires_qualification: str
    reference_price: Decimal | None


class ListingIn(StrictIn):
    external_id: str = Field(min_length=1, max_length=64)
    shop: str = Field(min_length=1, max_length=64, description="the shop's external id")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20000)
    category: str = Field(min_length=1, max_length=64)
    brand: str = Field(default="", max_length=100)
    price: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    original_price: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    currency: str = Field(default="CNY", pattern="^(" + "|".join(CURRENCIES) + ")$")
    created_at: datetime | None = None


class ListingPatch(StrictIn):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20000)
    category: str | None = Field(default=None, min_length=1, max_length=64)
    brand: str | None = Field(default=None, max_length=100)
    price: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    original_price: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    status: ListingStatus | None = None


class ListingOut(Schema):
    external_id: str
    shop: str
    title: str
    description: str
    category: str
    brand: str
    price: Decimal
    original_price: Decimal | None
    currency: str
    status: str
    on_sale: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_on_sale(obj: Listing) -> bool:
        # Removed or delisted listings are off sale, and so is everything of a suspended merchant.
        return obj.status == ListingStatus.ACTIVE and obj.shop.merchant.can_sell

    @staticmethod
    def resolve_shop(obj: Listing) -> str:
        return obj.shop.external_id

    @staticmethod
    def resolve_category(obj: Listing) -> str:
        return obj.category.code


class PriceChangeOut(Schema):
    old_price: Decimal | None
    new_price: Decimal
    at: datetime


@router.post("/categories", response={201: CategoryOut, **ERRORS}, auth=scoped("listings:write"))
def create_category(request: HttpRequest, payload: CategoryIn):
    return Status(201, services.do_create_category(**payload.dict()))


@router.get("/categories", response=list[CategoryOut], auth=scoped("listings:read"))
def list_categories(request: HttpRequest):
    return Category.objects.all()


@router.post("/listings", response={201: ListingOut, **ERRORS}, auth=scoped("listings:write"))
def create_listing(request: HttpRequest, payload: ListingIn):
    data = payload.dict()
    shop = get_shop(data.pop("shop"))
    return Status(201, services.do_create_listing(shop, actor=actor_of(request), **data))


@router.get("/listings", response=list[ListingOut], auth=scoped("listings:read"))
@paginate
def list_listings(request: HttpRequest, shop: str | None = None):
    listings = Listing.objects.select_related("shop__merchant", "category")
    return listings.filter(shop__external_id=shop) if shop else listings


@router.get("/listings/{external_id}", response={200: ListingOut, **ERRORS}, auth=scoped("listings:read"))
def get_listing(request: HttpRequest, external_id: str):
    return services.get_listing(external_id)


@router.patch("/listings/{external_id}", response={200: ListingOut, **ERRORS}, auth=scoped("listings:write"))
def update_listing(request: HttpRequest, external_id: str, payload: ListingPatch):
    listing = services.get_listing(external_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    return services.do_update_listing(listing, actor=actor_of(request), changes=changes)


@router.get(
    "/listings/{external_id}/price-history",
    response={200: list[PriceChangeOut], **ERRORS},
    auth=scoped("listings:read"),
)
def price_history(request: HttpRequest, external_id: str):
    return services.get_listing(external_id).price_changes.all()

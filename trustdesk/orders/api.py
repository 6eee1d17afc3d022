"""REST endpoints for shoppers, orders, payments and shipments."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.accounts.models import Shopper
from trustdesk.accounts.shoppers import do_create_shopper, get_shopper
from trustdesk.core.money import CURRENCIES
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.merchants.services import get_shop
from trustdesk.orders import services
from trustdesk.orders.models import Order

router = Router(tags=["orders"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ShopperIn(StrictIn):
    external_id: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=254)
    registered_at: datetime | None = None


class ShopperOut(Schema):
    external_id: str
    display_name: str
    phone_masked: str
    email_masked: str
    registered_at: datetime

    @staticmethod
    def resolve_phone_masked(obj: Shopper) -> str:
        return str(obj.phone)

    @staticmethod
    def resolve_email_masked(obj: Shopper) -> str:
        return str(obj.email)


class ItemIn(StrictIn):
    listing: str = Field(min_length=1, max_length=64, description="the listing's external id")
    quantity: int = Field(ge=1, le=100000)
    unit_price: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    non_returnable_confirmed: bool = False


class OrderIn(StrictIn):
    external_id: str = Field(min_length=1, max_length=64)
    shopper: str = Field(min_length=1, max_length=64)
    shop: str = Field(min_length=1, max_length=64)
    items: list[ItemIn] = Field(min_length=1, max_length=500)
    recipient_name: str = Field(default="", max_length=100)
    recipient_phone: str = Field(default="", max_length=32)
    shipping_address: str = Field(default="", max_length=500)
    currency: str = Field(default="CNY", pattern="^(" + "|".join(CURRENCIES) + ")$")
    placed_at: datetime | None = None


class ItemOut(Schema):
    id: int
    listing: str
    title: str
    quantity: int
    unit_price: Decimal
    amount: Decimal

    @staticmethod
    def resolve_listing(obj) -> str:
        return obj.listing.external_id


class OrderOut(Schema):
    external_id: str
    shopper: str
    shop: str
    status: str
    currency: str
    total_amount: Decimal
    shipping_address_masked: str
    placed_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    items: list[ItemOut]

    @staticmethod
    def resolve_shopper(obj: Order) -> str:
        return obj.shopper.external_id

    @staticmethod
    def resolve_shop(obj: Order) -> str:
        return obj.shop.external_id

    @staticmethod
    def resolve_shipping_address_masked(obj: Order) -> str:
        return str(obj.shipping_address)

    @staticmethod
    def resolve_items(obj: Order) -> list:
        return list(obj.items.select_related("listing"))


class PaymentIn(StrictIn):
    external_id: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    method: str = Field(min_length=1, max_length=32)
    succeeded: bool = True
    payment_fingerprint: str = Field(default="", max_length=64)
    at: datetime | None = None


class ShipmentIn(StrictIn):
    carrier: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=1, max_length=64)
    at: datetime | None = None


class MomentIn(StrictIn):
    at: datetime | None = None


class CancelIn(StrictIn):
    reason: str = Field(min_length=1, max_length=2000)
    at: datetime | None = None


@router.post("/shoppers", response={201: ShopperOut, **ERRORS}, auth=scoped("orders:write"))
def create_shopper(request: HttpRequest, payload: ShopperIn):
    return Status(201, do_create_shopper(**payload.dict(exclude_none=True)))


@router.get("/shoppers/{external_id}", response={200: ShopperOut, **ERRORS}, auth=scoped("orders:read"))
def read_shopper(request: HttpRequest, external_id: str):
    return get_shopper(external_id)


@router.post("/orders", response={201: OrderOut, **ERRORS}, auth=scoped("orders:write"))
def place_order(request: HttpRequest, payload: OrderIn):
    data = payload.dict()
    items = [
        services.ItemLine(
            listing_external_id=i["listing"],
            quantity=i["quantity"],
            unit_price=i["unit_price"],
            non_returnable_confirmed=i["non_returnable_confirmed"],
        )
        for i in data.pop("items")
    ]
    shopper = get_shopper(data.pop("shopper"))
    shop = get_shop(data.pop("shop"))
    order = services.do_place_order(actor=actor_of(request), shopper=shopper, shop=shop, items=items, **data)
    return Status(201, services.get_order(order.external_id))


@router.get("/orders/{external_id}", response={200: OrderOut, **ERRORS}, auth=scoped("orders:read"))
def read_order(request: HttpRequest, external_id: str):
    return services.get_order(external_id)


@router.post(
    "/orders/{external_id}/payments",
    response={200: OrderOut, **ERRORS},
    auth=scoped("orders:write"),
)
def record_payment(request: HttpRequest, external_id: str, payload: PaymentIn):
    order = services.get_order(external_id)
    services.do_record_payment(order, actor=actor_of(request), **payload.dict())
    return services.get_order(external_id)


@router.post(
    "/orders/{external_id}/shipments",
    response={200: OrderOut, **ERRORS},
    auth=scoped("orders:write"),
)
def ship(request: HttpRequest, external_id: str, payload: ShipmentIn):
    order = services.get_order(external_id)
    services.do_ship(order, actor=actor_of(request), **payload.dict())
    return services.get_order(external_id)


@router.post(
    "/orders/{external_id}/delivery",
    response={200: OrderOut, **ERRORS},
    auth=scoped("orders:write"),
)
def deliver(request: HttpRequest, external_id: str, payload: MomentIn):
    order = services.get_order(external_id)
    services.do_deliver(order, actor=actor_of(request), at=payload.at)
    return services.get_order(external_id)


@router.post(
    "/orders/{external_id}/completion",
    response={200: OrderOut, **ERRORS},
    auth=scoped("orders:write"),
)
def complete(request: HttpRequest, external_id: str, payload: MomentIn):
    order = services.get_order(external_id)
    services.do_complete(order, actor=actor_of(request), at=payload.at)
    return services.get_order(external_id)


@router.post(
    "/orders/{external_id}/cancellation",
    response={200: OrderOut, **ERRORS},
    auth=scoped("orders:write"),
)
def cancel(request: HttpRequest, external_id: str, payload: CancelIn):
    order = services.get_order(external_id)
    services.do_cancel(order, actor=actor_of(request), reason=payload.reason, at=payload.at)
    return services.get_order(external_id)

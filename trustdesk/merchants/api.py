"""REST endpoints for merchants and shops."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.core.money import CURRENCIES
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.merchants import services
from trustdesk.merchants.models import Merchant, MerchantStatus, Shop

router = Router(tags=["merchants"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class MerchantIn(StrictIn):
    external_id: str = Field(min_length=1, max_length=64)
    legal_name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(min_length=1, max_length=40)
    legal_rep_name: str = Field(min_length=1, max_length=100)
    legal_rep_id_number: str = Field(min_length=1, max_length=40)
    contact_phone: str = Field(default="", max_length=32)
    contact_email: str = Field(default="", max_length=254)
    deposit_amount: Decimal = Field(default=Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    deposit_currency: str = Field(default="CNY", pattern="^(" + "|".join(CURRENCIES) + ")$")
    joined_at: datetime | None = None


class MerchantPatch(StrictIn):
    legal_name: str | None = Field(default=None, min_length=1, max_length=200)
    uscc: str | None = Field(default=None, min_length=1, max_length=40)
    legal_rep_name: str | None = Field(default=None, min_length=1, max_length=100)
    legal_rep_id_number: str | None = Field(default=None, min_length=1, max_length=40)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=254)
    deposit_amount: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


class MerchantOut(Schema):
    external_id: str
    legal_name: str
    uscc: str
    legal_rep_name_masked: str
    legal_rep_id_number_masked: str
    contact_phone_masked: str
    status: str
    deposit_amount: Decimal
    deposit_currency: str
    joined_at: datetime

    @staticmethod
    def resolve_legal_rep_name_masked(obj: Merchant) -> str:
        return str(obj.legal_rep_name)

    @staticmethod
    def resolve_legal_rep_id_number_masked(obj: Merchant) -> str:
        return str(obj.legal_rep_id_number)

    @staticmethod
    def resolve_contact_phone_masked(obj: Merchant) -> str:
        return str(obj.contact_phone)


class StatusIn(StrictIn):
    status: MerchantStatus
    reason: str = Field(min_length=1, max_length=2000)


class ShopIn(StrictIn):
    external_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    opened_at: datetime | None = None


class ShopOut(Schema):
    external_id: str
    name: str
    merchant_external_id: str
    opened_at: datetime

    @staticmethod
    def resolve_merchant_external_id(obj: Shop) -> str:
        return obj.merchant.external_id


@router.post("/merchants", response={201: MerchantOut, **ERRORS}, auth=scoped("merchants:write"))
def create_merchant(request: HttpRequest, payload: MerchantIn):
    data = payload.dict(exclude_none=True)
    return Status(201, services.do_create_merchant(actor=actor_of(request), **data))


@router.get("/merchants", response=list[MerchantOut], auth=scoped("merchants:read"))
@paginate
def list_merchants(request: HttpRequest, status: MerchantStatus | None = None):
    merchants = Merchant.objects.all()
    return merchants.filter(status=status) if status else merchants


@router.get("/merchants/{external_id}", response={200: MerchantOut, **ERRORS}, auth=scoped("merchants:read"))
def get_merchant(request: HttpRequest, external_id: str):
    return services.get_merchant(external_id)


@router.patch(
    "/merchants/{external_id}",
    response={200: MerchantOut, **ERRORS},
    auth=scoped("merchants:write"),
)
def update_merchant(request: HttpRequest, external_id: str, payload: MerchantPatch):
    merchant = services.get_merchant(external_id)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    return services.do_update_merchant(merchant, actor=actor_of(request), changes=changes)


@router.post(
    "/merchants/{external_id}/status",
    response={200: MerchantOut, **ERRORS},
    auth=scoped("merchants:write"),
)
def change_status(request: HttpRequest, external_id: str, payload: StatusIn):
    merchant = services.get_merchant(external_id)
    services.do_change_merchant_status(
        merchant, payload.status, actor=actor_of(request), reason=payload.reason
    )
    return merchant


@router.post(
    "/merchants/{external_id}/shops",
    response={201: ShopOut, **ERRORS},
    auth=scoped("merchants:write"),
)
def create_shop(request: HttpRequest, external_id: str, payload: ShopIn):
    merchant = services.get_merchant(external_id)
    shop = services.do_create_shop(merchant, actor=actor_of(request), **payload.dict(exclude_none=True))
    return Status(201, shop)


@router.get("/shops/{external_id}", response={200: ShopOut, **ERRORS}, auth=scoped("merchants:read"))
def get_shop(request: HttpRequest, external_id: str):
    return services.get_shop(external_id)

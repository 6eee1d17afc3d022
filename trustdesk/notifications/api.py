"""REST endpoints to manage webhook endpoints and see their deliveries."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.notifications import services
from trustdesk.notifications.models import OutboxMessage, WebhookEndpoint

router = Router(tags=["webhooks"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class EndpointIn(StrictIn):
    url: str = Field(min_length=8, max_length=500)
    event_types: list[str] = Field(min_length=1, max_length=50)
    description: str = Field(default="", max_length=200)


class EndpointOut(Schema):
    id: int
    url: str
    event_types: list[str]
    description: str
    active: bool
    created_at: datetime


class CreatedEndpointOut(EndpointOut):
    secret: str


class DeliveryOut(Schema):
    id: str
    event_type: str
    status: str
    attempts: int
    due_at: datetime
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str

    @staticmethod
    def resolve_id(obj: OutboxMessage) -> str:
        return str(obj.id)


@router.post("/webhooks", response={201: CreatedEndpointOut, **ERRORS}, auth=scoped("webhooks:manage"))
def add_endpoint(request: HttpRequest, payload: EndpointIn):
    endpoint, secret = services.do_add_endpoint(actor=actor_of(request), **payload.dict())
    endpoint.secret = secret
    return Status(
        201,
        {**EndpointOut.from_orm(endpoint).dict(), "secret": secret},
    )


@router.get("/webhooks", response=list[EndpointOut], auth=scoped("webhooks:manage"))
def list_endpoints(request: HttpRequest):
    return WebhookEndpoint.objects.all()


@router.delete(
    "/webhooks/{endpoint_id}", response={200: EndpointOut, **ERRORS}, auth=scoped("webhooks:manage")
)
def disable_endpoint(request: HttpRequest, endpoint_id: int):
    return services.do_disable_endpoint(endpoint_id, actor=actor_of(request))


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
    auth=scoped("webhooks:manage"),
)
def deliveries(request: HttpRequest, endpoint_id: int):
    return OutboxMessage.objects.filter(endpoint_id=endpoint_id).order_by("-created_at")[:100]

"""REST endpoints for listing compliance (SPEC C2): the check, a listing's findings, price alerts and
spot checks."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.compliance import services, spotchecks
from trustdesk.compliance.models import InspectionTask, PriceAlert, SamplingPlan
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.listings.services import get_category, get_listing

router = Router(tags=["compliance"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CheckIn(StrictIn):
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20000)
    category: str = Field(min_length=1, max_length=64)
    price: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    brand: str = Field(default="", max_length=100)
    original_price: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)


class FindingOut(Schema):
    code: str
    field: str
    span: tuple[int, int]
    message: str


class CheckOut(Schema):
    verdict: str
    findings: list[FindingOut]


class StoredCheckOut(CheckOut):
    listing: str
    trigger: str
    at: datetime


class PriceAlertOut(Schema):
    id: int
    listing: str
    kind: str
    old_price: Decimal | None
    new_price: Decimal
    baseline: Decimal
    ratio: Decimal
    at: datetime

    @staticmethod
    def resolve_listing(obj: PriceAlert) -> str:
        return obj.listing.external_id


class PlanIn(StrictIn):
    period: str = Field(min_length=1, max_length=16, pattern=r"^[0-9A-Za-z_-]+$")
    size: int = Field(ge=1, le=10000)
    seed: str = Field(default="", max_length=64)


class TaskOut(Schema):
    id: int
    listing: str
    merchant: str
    state: str
    weight: float
    findings: str
    evidence: list[dict[str, Any]]

    @staticmethod
    def resolve_listing(obj: InspectionTask) -> str:
        return obj.listing.external_id

    @staticmethod
    def resolve_merchant(obj: InspectionTask) -> str:
        return obj.merchant.external_id


class PlanOut(Schema):
    period: str
    seed: str
    size: int
    population: list[list[float]]
    drawn: list[int]
    tasks: list[TaskOut]

    @staticmethod
    def resolve_tasks(obj: SamplingPlan) -> list[Any]:
        return list(obj.tasks.select_related("listing", "merchant"))


class RedrawOut(Schema):
    period: str
    drawn: list[int]
    matches: bool


class EvidenceIn(StrictIn):
    label: str = Field(min_length=1, max_length=200)
    ref: str = Field(min_length=1, max_length=500)


class ResultIn(StrictIn):
    passed: bool
    findings: str = Field(min_length=1, max_length=5000)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=20)
    penalty_kind: str = Field(
        default="warning", pattern="^(warning|listing_removal|traffic_restriction|suspension)$"
    )


def _check_out(verdict: str, findings: list[Any]) -> dict[str, Any]:
    return {
        "verdict": verdict,
        "findings": [
            {"code": f.code, "field": f.field, "span": (f.start, f.end), "message": f.message}
            for f in findings
        ],
    }


@router.post("/listings/check", response={200: CheckOut, **ERRORS}, auth=scoped("listings:read"))
def check_listing(request: HttpRequest, payload: CheckIn):
    data = payload.dict()
    data["category"] = get_category(data["category"])
    result = services.check_values(**data)
    return _check_out(result.verdict, result.findings)


@router.get(
    "/listings/{external_id}/compliance",
    response={200: StoredCheckOut, **ERRORS},
    auth=scoped("listings:read"),
)
def listing_compliance(request: HttpRequest, external_id: str):
    listing = get_listing(external_id)
    run = services.latest_check(listing)
    if run is None:
        return {"listing": external_id, "trigger": "none", "at": listing.updated_at, **_check_out("pass", [])}
    return {
        "listing": external_id,
        "trigger": run.trigger,
        "at": run.at,
        **_check_out(run.verdict, list(run.findings.all())),
    }


@router.get("/price-alerts", response=list[PriceAlertOut], auth=scoped("governance:read"))
def price_alerts(request: HttpRequest, listing: str | None = None):
    rows = PriceAlert.objects.select_related("listing")
    return (rows.filter(listing__external_id=listing) if listing else rows)[:500]


@router.post("/spot-checks/plans", response={201: PlanOut, **ERRORS}, auth=scoped("governance:write"))
def draw_plan(request: HttpRequest, payload: PlanIn):
    return Status(201, spotchecks.do_draw_plan(actor=actor_of(request), **payload.dict()))


@router.get("/spot-checks/plans/{period}", response={200: PlanOut, **ERRORS}, auth=scoped("governance:read"))
def get_plan(request: HttpRequest, period: str):
    return spotchecks.get_plan(period)


@router.post(
    "/spot-checks/plans/{period}/redraw",
    response={200: RedrawOut, **ERRORS},
    auth=scoped("governance:read"),
)
def redraw_plan(request: HttpRequest, period: str):
    plan = spotchecks.get_plan(period)
    drawn = spotchecks.redraw(plan)
    return {"period": period, "drawn": drawn, "matches": drawn == plan.drawn}


@router.post("/inspections/{pk}/start", response={200: TaskOut, **ERRORS}, auth=scoped("governance:write"))
def start_inspection(request: HttpRequest, pk: int):
    return spotchecks.do_start_inspection(spotchecks.get_task(pk), actor=actor_of(request))


@router.post("/inspections/{pk}/result", response={200: TaskOut, **ERRORS}, auth=scoped("governance:write"))
def record_result(request: HttpRequest, pk: int, payload: ResultIn):
    data = payload.dict()
    data["evidence"] = [e for e in data["evidence"]]
    return spotchecks.do_record_result(spotchecks.get_task(pk), actor=actor_of(request), **data)

"""REST endpoints for deadline policies: the marketplace sets the clocks and what each policy governs."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.aftersales import policies
from trustdesk.aftersales.flow import default_policy
from trustdesk.aftersales.models import Policy, PolicyScope
from trustdesk.core.errors import NotFound
from trustdesk.core.schemas import ErrorOut, StrictIn

router = Router(tags=["after-sales policies"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ, MANAGE = scoped("aftersales:read"), scoped("aftersales:policies")
PERIOD = Field(default=None, ge=1, le=policies.LONGEST_PERIOD)


class ScopeOut(Schema):
    id: int
    category: str | None
    merchant: str | None

    @staticmethod
    def resolve_category(obj: PolicyScope) -> str | None:
        return obj.category.code if obj.category else None

    @staticmethod
    def resolve_merchant(obj: PolicyScope) -> str | None:
        return obj.merchant.external_id if obj.merchant else None


class PolicyOut(Schema):
    code: str
    name: str
    merchant_response_hours: int
    shopper_reply_days: int
    shopper_ship_days: int
    return_transit_days: int
    merchant_receipt_days: int
    refund_days: int
    escalation_days: int
    evidence_hours: int
    appeal_days: int
    reopen_days: int
    updated_at: datetime
    updated_by: str
    scopes: list[ScopeOut]

    @staticmethod
    def resolve_scopes(obj: Policy) -> list[PolicyScope]:
        return list(obj.scopes.all())


class PeriodsIn(StrictIn):
    merchant_response_hours: int | None = PERIOD
    shopper_reply_days: int | None = PERIOD
    shopper_ship_days: int | None = PERIOD
    return_transit_days: int | None = PERIOD
    merchant_receipt_days: int | None = PERIOD
    refund_days: int | None = PERIOD
    escalation_days: int | None = PERIOD
    evidence_hours: int | None = PERIOD
    appeal_days: int | None = PERIOD
    reopen_days: int | None = PERIOD

    def periods(self) -> dict[str, int]:
        given = {name: getattr(self, name) for name in policies.PERIOD_FIELDS}
        return {name: value for name, value in given.items() if value is not None}


class PolicyIn(PeriodsIn):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=100)


class PolicyChangeIn(PeriodsIn):
    name: str | None = Field(default=None, min_length=1, max_length=100)


class ScopeIn(StrictIn):
    category: str | None = Field(default=None, min_length=1, max_length=64, description="category code")
    merchant: str | None = Field(default=None, min_length=1, max_length=64, description="merchant id")


def _read(code: str) -> Policy:
    found = Policy.objects.prefetch_related("scopes__category", "scopes__merchant").filter(code=code).first()
    if found is None:
        raise NotFound(f"no after-sales policy {code!r}", code="unknown_policy")
    return found


@router.get("/aftersales/policies", response={200: list[PolicyOut], **ERRORS}, auth=READ)
def list_policies(request: HttpRequest):
    default_policy()
    return list(Policy.objects.prefetch_related("scopes__category", "scopes__merchant"))


@router.get("/aftersales/policies/{code}", response={200: PolicyOut, **ERRORS}, auth=READ)
def read_policy(request: HttpRequest, code: str):
    policies.get_policy(code)
    return _read(code)


@router.post("/aftersales/policies", response={201: PolicyOut, **ERRORS}, auth=MANAGE)
def create_policy(request: HttpRequest, payload: PolicyIn):
    policy = policies.do_create_policy(
        payload.code, payload.name, actor=actor_of(request), periods=payload.periods(), request=request
    )
    return Status(201, _read(policy.code))


@router.patch("/aftersales/policies/{code}", response={200: PolicyOut, **ERRORS}, auth=MANAGE)
def change_policy(request: HttpRequest, code: str, payload: PolicyChangeIn):
    policy = policies.get_policy(code)
    policies.do_change_policy(
        policy, actor=actor_of(request), periods=payload.periods(), name=payload.name, request=request
    )
    return _read(code)


@router.post("/aftersales/policies/{code}/scopes", response={201: PolicyOut, **ERRORS}, auth=MANAGE)
def add_scope(request: HttpRequest, code: str, payload: ScopeIn):
    policy = policies.get_policy(code)
    category, merchant = policies.scope_target(payload.category, payload.merchant)
    actor = actor_of(request)
    policies.do_scope_policy(policy, actor=actor, category=category, merchant=merchant, request=request)
    return Status(201, _read(code))


@router.delete(
    "/aftersales/policies/{code}/scopes/{scope_id}", response={200: PolicyOut, **ERRORS}, auth=MANAGE
)
def remove_scope(request: HttpRequest, code: str, scope_id: int):
    scope = (
        PolicyScope.objects.select_related("policy", "category", "merchant")
        .filter(pk=scope_id, policy__code=code)
        .first()
    )
    if scope is None:
        raise NotFound(f"policy {code!r} has no scope {scope_id}", code="unknown_scope")
    policies.do_unscope(scope, actor=actor_of(request), request=request)
    return _read(code)

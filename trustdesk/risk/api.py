"""REST endpoints for real-time risk: events and decisions, message checks, credit, rules and lists."""

from datetime import datetime
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.core.errors import NotFound, ValidationFailed
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.risk import backtest, credit, decider, decisions, lists, ruleset
from trustdesk.risk.events import MAX_BATCH, EventIn, validate_batch
from trustdesk.risk.messages import check_message
from trustdesk.risk.models import RuleVersion

router = Router(tags=["risk"])
ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class DecisionOut(Schema):
    event_id: str
    decision: str
    score: float
    reasons: list[str]
    rule_hits: list[str]


class BatchOut(Schema):
    results: list[DecisionOut]


class EventErrorOut(Schema):
    index: int
    event_id: str
    code: str
    message: str


class EventsErrorOut(Schema):
    code: str
    message: str
    errors: list[EventErrorOut] = []


_EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        EventIn.model_json_schema(),
                        {
                            "type": "object",
                            "properties": {
                                "events": {
                                    "type": "array",
                                    "maxItems": MAX_BATCH,
                                    "items": EventIn.model_json_schema(),
                                }
                            },
                            "required": ["events"],
                        },
                    ]
                }
            }
        },
    }
}


@router.post(
    "/events",
    response={200: DecisionOut | BatchOut, **ERRORS, 422: EventsErrorOut},
    auth=scoped("risk:events"),
    openapi_extra=_EVENTS_BODY,
    summary="Decide one event, or a batch of up to 1,000 as {events: [...]}",
)
def post_events(request: HttpRequest):
    try:
        raw: Any = orjson.loads(request.body or b"null")
    except ValueError:
        return Status(400, {"code": "malformed_json", "message": "the request body is not valid JSON"})
    batch = isinstance(raw, dict) and set(raw) == {"events"}
    if batch and isinstance(raw["events"], list) and len(raw["events"]) > MAX_BATCH:
        return Status(
            413,
            {
                "code": "batch_too_large",
                "message": f"a batch holds at most {MAX_BATCH} events; this one has {len(raw['events'])}",
            },
        )
    events, errors = validate_batch(raw)
    if errors:
        if not batch:
            return Status(422, {"code": errors[0].code, "message": errors[0].message})
        return Status(
            422,
            {
                "code": "invalid_events",
                "message": f"{len(errors)} event(s) were refused; nothing in this batch was stored",
                "errors": [
                    {"index": e.index, "event_id": e.event_id, "code": e.code, "message": e.message}
                    for e in errors
                ],
            },
        )
    if batch and not events:
        raise ValidationFailed("a batch needs at least one event", code="empty_batch")
    # A batch is already one transaction; single events are decided together by the decider when
    # `trustdesk serve` runs one.
    results = decisions.decide(events) if batch else decider.decide(events)
    # Rendered here, not by Ninja: checking our own answers against DecisionOut cost more than a
    # single event's decision on the database backend; the schema above still documents them.
    body = orjson.dumps({"results": results} if batch else results[0])
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/events/{event_id}", response={200: DecisionOut, **ERRORS}, auth=scoped("risk:read"))
def read_event(request: HttpRequest, event_id: str):
    stored = decisions.stored_answer(event_id)
    if stored is None:
        raise NotFound(f"no event {event_id!r}")
    return stored


class MessageIn(StrictIn):
    text: str = Field(min_length=1, max_length=5000)


class FindingOut(Schema):
    code: str
    message: str
    span: list[int]
    severity: str


class MessageOut(Schema):
    verdict: str
    findings: list[FindingOut]


@router.post("/messages/check", response={200: MessageOut, **ERRORS}, auth=scoped("messages:check"))
def check_messages(request: HttpRequest, payload: MessageIn):
    verdict, findings = check_message(payload.text)
    return {
        "verdict": verdict,
        "findings": [
            {"code": f.code, "message": f.message, "span": list(f.span), "severity": f.severity}
            for f in findings
        ],
    }


class CreditOut(Schema):
    user: str
    score: int
    tier: str
    refund_only_allowed: bool
    reason: str


@router.get("/risk/credit/{user}", response={200: CreditOut, **ERRORS}, auth=scoped("risk:read"))
def read_credit(request: HttpRequest, user: str):
    record = credit.credit_of(user)
    allowed, reason = credit.shopper_can_request_refund_only(user)
    return {
        "user": user,
        "score": record.score,
        "tier": record.tier,
        "refund_only_allowed": allowed,
        "reason": reason,
    }


class RuleIn(StrictIn):
    name: str = Field(min_length=1, max_length=80)
    condition: str = Field(min_length=1, max_length=5000, description="a CEL expression giving a bool")
    action: str = Field(pattern="^(block|review|allow)$")
    reason: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class RuleVersionOut(Schema):
    id: int
    rule: str
    number: int
    condition: str
    action: str
    reason: str
    status: str

    @staticmethod
    def resolve_rule(obj: RuleVersion) -> str:
        return obj.rule.name


@router.post("/risk/rules", response={201: RuleVersionOut, **ERRORS}, auth=scoped("risk:manage"))
def save_rule(request: HttpRequest, payload: RuleIn):
    return Status(201, ruleset.do_save_version(actor=actor_of(request), **payload.dict()))


class ModeIn(StrictIn):
    mode: str = Field(pattern="^(shadow|active|retired|draft)$")
    reason: str = Field(default="", max_length=500)


@router.post(
    "/risk/rules/versions/{version_id}/mode",
    response={200: RuleVersionOut, **ERRORS},
    auth=scoped("risk:manage"),
)
def set_mode(request: HttpRequest, version_id: int, payload: ModeIn):
    version = ruleset.get_version(version_id)
    return ruleset.do_set_mode(version, payload.mode, actor=actor_of(request), reason=payload.reason)


class BacktestIn(StrictIn):
    since: datetime | None = None
    until: datetime | None = None


class BacktestOut(Schema):
    version_id: int
    evaluated: int
    hits: int
    errors: int
    hits_also_flagged_by_active: int
    hits_allowed_by_active: int
    fraud_total: int
    fraud_hit: int
    legit_hit: int
    unlabelled_hit: int
    precision: float | None
    recall: float | None
    per_day: list[list[Any]]
    sample: list[str]


@router.post(
    "/risk/rules/versions/{version_id}/backtest",
    response={200: BacktestOut, **ERRORS},
    auth=scoped("risk:manage"),
)
def run_backtest(request: HttpRequest, version_id: int, payload: BacktestIn):
    version = ruleset.get_version(version_id)
    return backtest.run(version, since=payload.since, until=payload.until)


class ListEntryIn(StrictIn):
    kind: str = Field(pattern="^(device|ip|payment_fingerprint|address|email)$")
    value: str = Field(min_length=1, max_length=500)
    action: str = Field(pattern="^(block|allow)$")
    reason: str = Field(min_length=1, max_length=200)
    expires_at: datetime | None = None


class ListEntryOut(Schema):
    id: int
    kind: str
    shown: str
    action: str
    reason: str
    expires_at: datetime | None


@router.post("/risk/lists", response={201: ListEntryOut, **ERRORS}, auth=scoped("risk:manage"))
def add_list_entry(request: HttpRequest, payload: ListEntryIn):
    return Status(201, lists.do_add_entry(actor=actor_of(request), **payload.dict()))


@router.get("/risk/lists", response={200: list[ListEntryOut], **ERRORS}, auth=scoped("risk:manage"))
def read_lists(request: HttpRequest):
    return list(lists.live_entries()[:500])

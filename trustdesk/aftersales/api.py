"""REST endpoints for after-sales cases: the marketplace acts for its shoppers and merchants.

Every action names the side it acts for (`party`, `party_id` = the shopper's or merchant's external
id); the domain refuses an action by the wrong side. Arbitration needs its own scope.
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.accounts.shoppers import get_shopper
from trustdesk.aftersales import arbitration, eligibility, evidence, refunds, services
from trustdesk.aftersales.models import Case, CaseKind, Outcome, Reason, Refund
from trustdesk.aftersales.services import Who
from trustdesk.core.errors import Forbidden, NotFound
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.merchants.models import Merchant
from trustdesk.orders.models import OrderItem
from trustdesk.orders.services import get_order

router = Router(tags=["after-sales"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
READ, WRITE, ARBITRATE = scoped("aftersales:read"), scoped("aftersales:write"), scoped("aftersales:arbitrate")


class DeadlineOut(Schema):
    kind: str
    party: str
    state: str
    due_at: datetime
    achieved_at: datetime | None
    breached_at: datetime | None
    remaining_seconds: int | None


class RefundOut(Schema):
    id: int
    amount: Decimal
    currency: str
    status: str
    payer: str
    due_at: datetime
    paid_at: datetime | None


class CaseOut(Schema):
    id: int
    number: str
    kind: str
    reason: str
    status: str
    resolution: str
    order: str
    item: int
    quantity: int
    shopper: str
    merchant: str
    requested_amount: Decimal
    currency: str
    intent: str
    language: str
    opened_at: datetime
    first_response_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    policy: str
    appeal_count: int
    reopen_count: int
    deadlines: list[DeadlineOut]
    refunds: list[RefundOut]

    @staticmethod
    def resolve_order(obj: Case) -> str:
        return obj.order.external_id

    @staticmethod
    def resolve_policy(obj: Case) -> str:
        return obj.policy.code

    @staticmethod
    def resolve_item(obj: Case) -> int:
        return obj.order_item_id

    @staticmethod
    def resolve_shopper(obj: Case) -> str:
        return obj.shopper.external_id

    @staticmethod
    def resolve_merchant(obj: Case) -> str:
        return obj.merchant.external_id

    @staticmethod
    def resolve_deadlines(obj: Case) -> list:
        return list(obj.deadlines.all())

    @staticmethod
    def resolve_refunds(obj: Case) -> list:
        return list(obj.refunds.all())


class OpenIn(StrictIn):
    order: str = Field(min_length=1, max_length=64, description="the order's external id")
    item: int = Field(description="the order item's id, as returned with the order")
    shopper: str = Field(
        min_length=1, max_length=64, description="the shopper opening it (must own the order)"
    )
    kind: CaseKind
    reason: Reason
    description: str = Field(default="", max_length=5000)
    quantity: int = Field(default=1, ge=1, le=100000)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    at: datetime | None = None


class PartyIn(StrictIn):
    party: Literal["shopper", "merchant"]
    party_id: str = Field(min_length=1, max_length=64, description="external id of the shopper or merchant")
    at: datetime | None = None


class NoteIn(PartyIn):
    note: str = Field(default="", max_length=5000)


class ReasonIn(PartyIn):
    reason: str = Field(min_length=1, max_length=5000)


class BodyIn(PartyIn):
    body: str = Field(min_length=1, max_length=5000)


class ShipIn(PartyIn):
    carrier: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(min_length=1, max_length=64)


class ReceiptIn(PartyIn):
    replacement_tracking: str = Field(default="", max_length=64)


class SurveyIn(PartyIn):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class PaidIn(PartyIn):
    reference: str = Field(default="", max_length=64)


class MomentIn(StrictIn):
    at: datetime | None = None


class EvidenceRequestIn(StrictIn):
    note: str = Field(default="", max_length=5000)
    at: datetime | None = None


class DecisionIn(StrictIn):
    outcome: Outcome
    reason: str = Field(min_length=1, max_length=5000)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    at: datetime | None = None


class VerdictOut(Schema):
    eligible: bool
    code: str
    message: str


class EvidenceOut(Schema):
    id: int
    party: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def _who(request: HttpRequest, payload: PartyIn) -> Who:
    actor = actor_of(request)
    if payload.party == "shopper":
        return Who("shopper", actor, shopper_id=get_shopper(payload.party_id).pk)
    merchant = Merchant.objects.filter(external_id=payload.party_id).first()
    if merchant is None:
        raise NotFound(f"no merchant {payload.party_id!r}")
    return Who("merchant", actor, merchant_id=merchant.pk)


def _case(case_id: int) -> Case:
    return services.get_case(case_id)


# Only the columns opening a request reads (eligibility, the case's links, the answer): fewer columns
# are quicker to compile and to load, and no encrypted personal data is read. A column left out is
# still correct to use, at the price of one more query.
ITEM_FOR_REQUEST = eligibility.with_claims(
    OrderItem.objects.select_related("category", "order__shop__merchant", "order__shopper").only(
        "order_id",
        "category_id",
        "quantity",
        "amount",
        "non_returnable_confirmed",
        "order__external_id",
        "order__status",
        "order__paid_at",
        "order__delivered_at",
        "order__currency",
        "order__shopper__external_id",
        "order__shop__merchant__external_id",
        "category__no_reason_return",
        "category__name_en",
        "category__name_zh",
        "category__warranty_days",
    )
)


@router.post("/aftersales/cases", response={201: CaseOut, **ERRORS}, auth=WRITE)
def open_request(request: HttpRequest, payload: OpenIn):
    # The hot path of the API: the item comes with its order, shop, merchant and shopper in one query,
    # without the encrypted personal data nobody here reads, and with what is already claimed on it (the
    # open request, the refunds) for the eligibility check; the answer is drawn from the objects in hand
    # rather than read back. No ORDER BY: the filter finds at most one row.
    found = ITEM_FOR_REQUEST.filter(order__external_id=payload.order, pk=payload.item)[:1]
    item = found[0] if found else None
    if item is None:
        get_order(payload.order)  # says which is missing: the order, or the item on it
        raise NotFound(f"order {payload.order} has no item {payload.item}")
    order = item.order
    shopper = order.shopper if order.shopper.external_id == payload.shopper else get_shopper(payload.shopper)
    who = Who("shopper", actor_of(request), shopper_id=shopper.pk)
    case = services.do_open_request(
        item,
        who=who,
        kind=payload.kind,
        reason=payload.reason,
        description=payload.description,
        quantity=payload.quantity,
        amount=payload.amount,
        now=payload.at,
        claims=eligibility.claims_of(item),
        in_hand=True,
    )
    return Status(201, case)


@router.get("/aftersales/cases", response={200: list[CaseOut], **ERRORS}, auth=READ)
def list_cases(request: HttpRequest, order: str = "", status: str = "", limit: int = 50):
    rows = Case.objects.select_related("order", "shopper", "merchant", "policy").prefetch_related(
        "deadlines", "refunds"
    )
    if order:
        rows = rows.filter(order__external_id=order)
    if status:
        rows = rows.filter(status=status)
    return list(rows[: max(1, min(limit, 200))])


@router.get("/aftersales/cases/{case_id}", response={200: CaseOut, **ERRORS}, auth=READ)
def read_case(request: HttpRequest, case_id: int):
    return _case(case_id)


@router.get("/aftersales/eligibility", response={200: VerdictOut, **ERRORS}, auth=READ)
def check_eligibility(request: HttpRequest, order: str, item: int, kind: str, reason: str):
    order_obj = get_order(order)
    row = OrderItem.objects.select_related("order", "category").filter(order=order_obj, pk=item).first()
    if row is None:
        raise NotFound(f"order {order} has no item {item}")
    verdict = eligibility.check(row, kind, reason, timezone.now())
    return {"eligible": verdict.eligible, "code": verdict.code, "message": verdict.message}


@router.post("/aftersales/cases/{case_id}/approval", response={200: CaseOut, **ERRORS}, auth=WRITE)
def approve(request: HttpRequest, case_id: int, payload: NoteIn):
    services.do_approve(_case(case_id), who=_who(request, payload), note=payload.note, now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/rejection", response={200: CaseOut, **ERRORS}, auth=WRITE)
def reject(request: HttpRequest, case_id: int, payload: ReasonIn):
    services.do_reject(_case(case_id), who=_who(request, payload), reason=payload.reason, now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/questions", response={200: CaseOut, **ERRORS}, auth=WRITE)
def ask(request: HttpRequest, case_id: int, payload: BodyIn):
    services.do_request_info(
        _case(case_id), who=_who(request, payload), question=payload.body, now=payload.at
    )
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/messages", response={200: CaseOut, **ERRORS}, auth=WRITE)
def post_message(request: HttpRequest, case_id: int, payload: BodyIn):
    services.do_post_message(_case(case_id), who=_who(request, payload), body=payload.body, now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/return-shipment", response={200: CaseOut, **ERRORS}, auth=WRITE)
def ship_return(request: HttpRequest, case_id: int, payload: ShipIn):
    services.do_ship_return(
        _case(case_id),
        who=_who(request, payload),
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        now=payload.at,
    )
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/return-delivery", response={200: CaseOut, **ERRORS}, auth=WRITE)
def return_delivered(request: HttpRequest, case_id: int, payload: MomentIn):
    services.do_record_return_delivered(_case(case_id), actor=actor_of(request), now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/receipt", response={200: CaseOut, **ERRORS}, auth=WRITE)
def confirm_receipt(request: HttpRequest, case_id: int, payload: ReceiptIn):
    services.do_confirm_receipt(
        _case(case_id),
        who=_who(request, payload),
        replacement_tracking=payload.replacement_tracking,
        now=payload.at,
    )
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/withdrawal", response={200: CaseOut, **ERRORS}, auth=WRITE)
def withdraw(request: HttpRequest, case_id: int, payload: PartyIn):
    services.do_withdraw(_case(case_id), who=_who(request, payload), now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/escalation", response={200: CaseOut, **ERRORS}, auth=WRITE)
def escalate(request: HttpRequest, case_id: int, payload: ReasonIn):
    services.do_escalate(_case(case_id), who=_who(request, payload), reason=payload.reason, now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/reopening", response={200: CaseOut, **ERRORS}, auth=WRITE)
def reopen(request: HttpRequest, case_id: int, payload: ReasonIn):
    services.do_reopen(_case(case_id), who=_who(request, payload), reason=payload.reason, now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/survey", response={200: CaseOut, **ERRORS}, auth=WRITE)
def answer_survey(request: HttpRequest, case_id: int, payload: SurveyIn):
    services.do_answer_survey(
        _case(case_id),
        who=_who(request, payload),
        score=payload.score,
        comment=payload.comment,
        now=payload.at,
    )
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/statements", response={200: CaseOut, **ERRORS}, auth=WRITE)
def submit_statement(request: HttpRequest, case_id: int, payload: BodyIn):
    arbitration.do_submit_statement(
        _case(case_id), who=_who(request, payload), body=payload.body, now=payload.at
    )
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/appeal", response={200: CaseOut, **ERRORS}, auth=WRITE)
def appeal(request: HttpRequest, case_id: int, payload: ReasonIn):
    arbitration.do_appeal(_case(case_id), who=_who(request, payload), reason=payload.reason, now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/evidence", response={201: EvidenceOut, **ERRORS}, auth=WRITE)
def attach(
    request: HttpRequest,
    case_id: int,
    party: Form[Literal["shopper", "merchant"]],
    party_id: Form[str],
    file: File[UploadedFile],
    note: Form[str] = "",
):
    who = _who(request, PartyIn(party=party, party_id=party_id))
    data = file.read(evidence.MAX_BYTES + 1)  # one byte over the limit is enough to refuse it
    return Status(
        201, evidence.do_attach(_case(case_id), who=who, name=file.name or "", data=data, note=note)
    )


@router.post("/aftersales/refunds/{refund_id}/payment", response={200: RefundOut, **ERRORS}, auth=WRITE)
def refund_paid(request: HttpRequest, refund_id: int, payload: PaidIn):
    refund = Refund.objects.select_related("case").filter(pk=refund_id).first()
    if refund is None:
        raise NotFound(f"no refund {refund_id}")
    who = _who(request, payload)
    if who.merchant_id is None:
        raise Forbidden("only the merchant reports a refund paid", code="wrong_party")
    merchant = Merchant.objects.get(pk=who.merchant_id)
    refunds.do_mark_refund_paid(
        refund, merchant=merchant, actor=who.actor, reference=payload.reference, now=payload.at
    )
    refund.refresh_from_db()
    return refund


@router.post(
    "/aftersales/cases/{case_id}/evidence-request", response={200: CaseOut, **ERRORS}, auth=ARBITRATE
)
def request_evidence(request: HttpRequest, case_id: int, payload: EvidenceRequestIn):
    who = Who("arbitrator", actor_of(request))
    arbitration.do_request_evidence(_case(case_id), who=who, note=payload.note, now=payload.at)
    return _case(case_id)


@router.post("/aftersales/cases/{case_id}/decision", response={200: CaseOut, **ERRORS}, auth=ARBITRATE)
def decide(request: HttpRequest, case_id: int, payload: DecisionIn):
    who = Who("arbitrator", actor_of(request))
    arbitration.do_decide(
        _case(case_id),
        who=who,
        outcome=payload.outcome,
        reason=payload.reason,
        amount=payload.amount,
        now=payload.at,
    )
    return _case(case_id)

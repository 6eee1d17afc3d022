"""REST endpoints for merchant governance (SPEC C1): admission, blocklist, penalties and credit."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from trustdesk.accounts.api_auth import actor_of, scoped
from trustdesk.core.errors import NotFound
from trustdesk.core.money import CURRENCIES
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.merchants import admission, credit, penalties
from trustdesk.merchants.models import AdmissionApplication, AdmissionState, Penalty
from trustdesk.merchants.services import get_merchant

router = Router(tags=["governance"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ApplicationIn(StrictIn):
    legal_name: str = Field(min_length=1, max_length=200)
    uscc: str = Field(min_length=1, max_length=40)
    legal_rep_name: str = Field(min_length=1, max_length=100)
    legal_rep_id_number: str = Field(min_length=1, max_length=40)
    categories: list[str] = Field(default_factory=list, max_length=50)
    external_id: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)
    contact_email: str = Field(default="", max_length=254)
    shop_name: str = Field(default="", max_length=200)
    deposit_amount: Decimal = Field(default=Decimal("0"), ge=0, max_digits=14, decimal_places=2)
    deposit_currency: str = Field(default="CNY", pattern="^(" + "|".join(CURRENCIES) + ")$")


class CheckOut(Schema):
    code: str
    outcome: str
    message: str


class DocumentOut(Schema):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    review: str
    review_note: str


class ApplicationOut(Schema):
    id: int
    legal_name: str
    uscc: str
    legal_rep_name_masked: str
    legal_rep_id_number_masked: str
    categories: list[str]
    required_qualifications: list[str]
    state: str
    checks: list[CheckOut]
    decision_reason: str
    merchant: str | None
    documents: list[DocumentOut]
    submitted_at: datetime

    @staticmethod
    def resolve_legal_rep_name_masked(obj: AdmissionApplication) -> str:
        return str(obj.legal_rep_name)

    @staticmethod
    def resolve_legal_rep_id_number_masked(obj: AdmissionApplication) -> str:
        return str(obj.legal_rep_id_number)

    @staticmethod
    def resolve_merchant(obj: AdmissionApplication) -> str | None:
        return obj.merchant.external_id if obj.merchant else None

    @staticmethod
    def resolve_documents(obj: AdmissionApplication) -> list[Any]:
        return list(obj.documents.all())


class DecisionIn(StrictIn):
    decision: Literal["approve", "reject", "needs_more_info"]
    reason: str = Field(default="", max_length=2000)


class ReviewIn(StrictIn):
    accepted: bool
    note: str = Field(default="", max_length=2000)


class NoteIn(StrictIn):
    note: str = Field(default="", max_length=2000)


class BlockIn(StrictIn):
    kind: Literal["uscc", "resident_id"]
    value: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)


class EvidenceIn(StrictIn):
    label: str = Field(min_length=1, max_length=200)
    ref: str = Field(min_length=1, max_length=500)


class PenaltyIn(StrictIn):
    kind: Literal["warning", "listing_removal", "traffic_restriction", "deposit_deduction", "suspension"]
    reason: str = Field(min_length=1, max_length=2000)
    evidence: list[EvidenceIn] = Field(min_length=1, max_length=20)
    listing: str | None = Field(default=None, max_length=64)
    amount: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)


class PenaltyOut(Schema):
    id: int
    merchant: str
    kind: str
    state: str
    reason: str
    evidence: list[dict[str, Any]]
    listing: str | None
    amount: Decimal | None
    appeal_text: str
    appeal_decision: str
    published: bool
    decided_at: datetime

    @staticmethod
    def resolve_merchant(obj: Penalty) -> str:
        return obj.merchant.external_id

    @staticmethod
    def resolve_listing(obj: Penalty) -> str | None:
        return obj.listing.external_id if obj.listing else None


class AppealIn(StrictIn):
    text: str = Field(min_length=1, max_length=5000)


class AppealDecisionIn(StrictIn):
    uphold: bool
    reason: str = Field(min_length=1, max_length=2000)


class FactorOut(Schema):
    factor: str
    label: str
    points: float
    max_points: int
    detail: str


class CreditOut(Schema):
    merchant: str
    score: int
    tier: str
    breakdown: list[FactorOut]
    listing_limit: int | None
    spot_check_weight: float
    payout_hold: bool
    computed_at: datetime

    @staticmethod
    def resolve_merchant(obj: Any) -> str:
        return obj.merchant.external_id


@router.post("/admissions", response={201: ApplicationOut, **ERRORS}, auth=scoped("merchants:write"))
def submit_application(request: HttpRequest, payload: ApplicationIn):
    return Status(201, admission.do_submit_application(actor=actor_of(request), **payload.dict()))


@router.get("/admissions", response=list[ApplicationOut], auth=scoped("governance:read"))
def list_applications(request: HttpRequest, state: AdmissionState | None = None):
    rows = AdmissionApplication.objects.select_related("merchant").prefetch_related("documents")
    return rows.filter(state=state)[:200] if state else rows[:200]


@router.get("/admissions/{pk}", response={200: ApplicationOut, **ERRORS}, auth=scoped("governance:read"))
def get_application(request: HttpRequest, pk: int):
    return admission.get_application(pk)


@router.post(
    "/admissions/{pk}/documents", response={201: DocumentOut, **ERRORS}, auth=scoped("merchants:write")
)
def upload_document(request: HttpRequest, pk: int, kind: Form[str], file: File[UploadedFile]):
    app = admission.get_application(pk)
    doc = admission.do_upload_document(
        app,
        actor=actor_of(request),
        kind=kind,
        filename=file.name or "",
        content_type=file.content_type or "",
        content=file.read(admission.MAX_DOCUMENT_BYTES + 1),
    )
    return Status(201, doc)


@router.post(
    "/admissions/{pk}/documents/{doc_id}/review",
    response={200: DocumentOut, **ERRORS},
    auth=scoped("governance:write"),
)
def review_document(request: HttpRequest, pk: int, doc_id: int, payload: ReviewIn):
    doc = admission.get_application(pk).documents.filter(pk=doc_id).first()
    if doc is None:
        raise NotFound(f"application {pk} has no document {doc_id}")
    return admission.do_review_document(doc, actor=actor_of(request), **payload.dict())


@router.post(
    "/admissions/{pk}/decision", response={200: ApplicationOut, **ERRORS}, auth=scoped("governance:write")
)
def decide(request: HttpRequest, pk: int, payload: DecisionIn):
    app = admission.get_application(pk)
    return admission.do_decide(app, payload.decision, actor=actor_of(request), reason=payload.reason)


@router.post(
    "/admissions/{pk}/resubmission",
    response={200: ApplicationOut, **ERRORS},
    auth=scoped("merchants:write"),
)
def resubmit(request: HttpRequest, pk: int, payload: NoteIn):
    return admission.do_resubmit(admission.get_application(pk), actor=actor_of(request), note=payload.note)


@router.post("/blocklist", response={201: dict[str, Any], **ERRORS}, auth=scoped("governance:write"))
def block_identity(request: HttpRequest, payload: BlockIn):
    row = admission.do_block_identity(actor=actor_of(request), **payload.dict())
    return Status(201, {"id": row.pk, "kind": row.kind})


@router.post(
    "/merchants/{external_id}/penalties",
    response={201: PenaltyOut, **ERRORS},
    auth=scoped("governance:write"),
)
def impose_penalty(request: HttpRequest, external_id: str, payload: PenaltyIn):
    from trustdesk.listings.services import get_listing

    merchant = get_merchant(external_id)
    listing = get_listing(payload.listing) if payload.listing else None
    penalty = penalties.do_impose_penalty(
        merchant,
        payload.kind,
        actor=actor_of(request),
        reason=payload.reason,
        evidence=[e.dict() for e in payload.evidence],
        listing=listing,
        amount=payload.amount,
    )
    return Status(201, penalty)


@router.get("/penalties", response=list[PenaltyOut], auth=scoped("governance:read"))
def list_penalties(request: HttpRequest, merchant: str | None = None, published: bool | None = None):
    rows = Penalty.objects.select_related("merchant", "listing")
    if merchant:
        rows = rows.filter(merchant__external_id=merchant)
    if published is not None:
        rows = rows.filter(published=published)
    return rows[:500]


@router.post("/penalties/{pk}/appeal", response={200: PenaltyOut, **ERRORS}, auth=scoped("merchants:write"))
def appeal(request: HttpRequest, pk: int, payload: AppealIn):
    return penalties.do_appeal(penalties.get_penalty(pk), actor=actor_of(request), text=payload.text)


@router.post(
    "/penalties/{pk}/appeal-decision",
    response={200: PenaltyOut, **ERRORS},
    auth=scoped("governance:write"),
)
def decide_appeal(request: HttpRequest, pk: int, payload: AppealDecisionIn):
    penalty = penalties.get_penalty(pk)
    return penalties.do_decide_appeal(penalty, actor=actor_of(request), **payload.dict())


@router.get(
    "/merchants/{external_id}/credit", response={200: CreditOut, **ERRORS}, auth=scoped("merchants:read")
)
def merchant_credit(request: HttpRequest, external_id: str):
    return credit.credit_of(get_merchant(external_id))

"""Merchant admission (SPEC C1): application, automatic checks, documents, and the governance decision.

Steps: `do_submit_application` stores the application and runs the automatic checks (checksums are
refused outright, before anything is stored); a failed check (the identity provider does not confirm
an identity, a blocklisted identity, a USCC that already belongs to a merchant) rejects at once,
otherwise the application waits under review. Governance staff review documents and decide: approve
(creates the Merchant), reject with a reason, or ask for more information, after which the applicant
resubmits. Every step is an event row and an audit entry.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from trustdesk.audit import services as audit
from trustdesk.core import pii
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, NotFound, ValidationFailed
from trustdesk.core.statemachine import StateMachine
from trustdesk.merchants import credit
from trustdesk.merchants.identity import IdentityInvalid, check_resident_id, check_uscc
from trustdesk.merchants.models import (
    AdmissionApplication,
    AdmissionDocument,
    AdmissionEvent,
    AdmissionState,
    BlockedIdentity,
    Merchant,
)
from trustdesk.merchants.models.admission import DocumentReview
from trustdesk.merchants.services import checked_identity, do_create_merchant, do_create_shop
from trustdesk.merchants.verifiers import verifier

A = AdmissionState
ADMISSION = StateMachine(
    field="state",
    transitions={
        A.SUBMITTED: {A.UNDER_REVIEW, A.REJECTED},
        A.UNDER_REVIEW: {A.APPROVED, A.REJECTED, A.NEEDS_MORE_INFO},
        A.NEEDS_MORE_INFO: {A.SUBMITTED},
    },
    event_model=AdmissionEvent,
    subject_field="application",
)
SYSTEM = Actor.system("admission-checks")
OPEN_STATES = (A.SUBMITTED, A.UNDER_REVIEW, A.NEEDS_MORE_INFO)
DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg"}
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DECISIONS = {"approve": A.APPROVED, "reject": A.REJECTED, "needs_more_info": A.NEEDS_MORE_INFO}


def _check(code: str, outcome: str, message: str) -> dict[str, str]:
    return {"code": code, "outcome": outcome, "message": message}


def run_checks(app: AdmissionApplication) -> list[dict[str, str]]:
    """The automatic checks; identities are already known to be well formed."""
    results = [_check("checksums", "pass", "USCC and resident ID number are well formed")]
    provider = verifier()
    for kind, value, holder in (
        ("uscc", app.uscc, app.legal_name),
        ("resident_id", app.legal_rep_id_number.reveal(), app.legal_rep_name.reveal()),
    ):
        verdict = provider.verify(kind, value, holder_name=holder)  # type: ignore[arg-type]
        if not verdict.valid:
            label = "USCC" if kind == "uscc" else "resident ID number"
            results.append(
                _check(
                    "identity_provider",
                    "fail",
                    f"the identity provider does not confirm the {label}: {verdict.reason}",
                )
            )
    uscc_index, id_index = pii.blind_index(app.uscc), app.legal_rep_id_index
    blocked = BlockedIdentity.objects.filter(
        kind="uscc", value_index=uscc_index
    ) | BlockedIdentity.objects.filter(kind="resident_id", value_index=id_index)
    for row in blocked:
        results.append(_check("blocklist", "fail", f"{row.get_kind_display()} is blocklisted: {row.reason}"))
    if Merchant.objects.filter(uscc=app.uscc).exists():
        results.append(_check("duplicate_uscc", "fail", "a merchant with this USCC already exists"))
    other_apps = AdmissionApplication.objects.filter(state__in=OPEN_STATES).exclude(pk=app.pk)
    if other_apps.filter(uscc=app.uscc).exists():
        results.append(_check("duplicate_uscc", "fail", "another open application has this USCC"))
    if Merchant.objects.filter(legal_rep_id_index=id_index).exists():
        results.append(
            _check(
                "duplicate_legal_rep",
                "warn",
                "the legal representative already represents another merchant; check they are related",
            )
        )
    elif other_apps.filter(legal_rep_id_index=id_index).exists():
        results.append(
            _check(
                "duplicate_legal_rep",
                "warn",
                "the legal representative is named in another open application; check they are related",
            )
        )
    for qualification in app.required_qualifications:
        if not app.documents.filter(kind=qualification).exclude(review=DocumentReview.REJECTED):
            results.append(
                _check(
                    "qualification_missing",
                    "warn",
                    f"the chosen categories need a {qualification} document; upload it before approval",
                )
            )
    return results


def _apply_checks(app: AdmissionApplication) -> None:
    app.checks = run_checks(app)
    app.save(update_fields=["checks"])
    failed = [c["message"] for c in app.checks if c["outcome"] == "fail"]
    if failed:
        reason = "; ".join(failed)
        ADMISSION.move(
            app,
            A.REJECTED,
            actor=SYSTEM,
            reason=reason,
            extra_updates={"decision_reason": reason, "decided_at": timezone.now()},
        )
        audit.record(SYSTEM, "admission.rejected", target=app, reason=reason)
    else:
        ADMISSION.move(
            app, A.UNDER_REVIEW, actor=SYSTEM, reason="automatic checks done", data={"checks": app.checks}
        )
        audit.record(
            SYSTEM,
            "admission.checked",
            target=app,
            details={"warnings": sorted({c["code"] for c in app.checks if c["outcome"] == "warn"})},
        )


def do_submit_application(
    *,
    actor: Actor,
    legal_name: str,
    uscc: str,
    legal_rep_name: str,
    legal_rep_id_number: str,
    categories: list[str],
    applicant: Any = None,
    external_id: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    shop_name: str = "",
    deposit_amount: Decimal = Decimal("0"),
    deposit_currency: str = "CNY",
) -> AdmissionApplication:
    from trustdesk.listings.services import get_category

    uscc, id_number = checked_identity(uscc, legal_rep_id_number)
    for code in categories:
        get_category(code)
    if external_id and Merchant.objects.filter(external_id=external_id).exists():
        raise Conflict(f"merchant {external_id!r} already exists", code="duplicate")
    with transaction.atomic():
        app = AdmissionApplication.objects.create(
            applicant=applicant,
            submitted_by=actor.label,
            external_id=external_id,
            legal_name=legal_name,
            uscc=uscc,
            legal_rep_name=legal_rep_name,
            legal_rep_id_number=id_number,
            legal_rep_id_index=pii.blind_index(id_number),
            contact_phone=contact_phone,
            contact_email=contact_email,
            shop_name=shop_name,
            categories=sorted(set(categories)),
            deposit_amount=deposit_amount,
            deposit_currency=deposit_currency,
        )
        ADMISSION.record_initial(app, actor, "application submitted")
        audit.record(actor, "admission.submitted", target=app)
        _apply_checks(app)
    return app


def get_application(pk: int) -> AdmissionApplication:
    app = AdmissionApplication.objects.filter(pk=pk).first()
    if app is None:
        raise NotFound(f"no admission application {pk}")
    return app


def do_upload_document(
    app: AdmissionApplication,
    *,
    actor: Actor,
    kind: str,
    filename: str,
    content_type: str,
    content: bytes,
) -> AdmissionDocument:
    if app.state not in OPEN_STATES:
        raise Conflict(
            f"the application is {app.state}; documents can no longer be added", code="invalid_transition"
        )
    if content_type not in DOCUMENT_TYPES:
        raise ValidationFailed(
            f"documents must be PDF, PNG or JPEG, not {content_type!r}", code="unsupported_document"
        )
    if not content or len(content) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed("a document must be between 1 byte and 5 MB", code="document_size")
    if not kind.strip() or len(kind) > 64:
        raise ValidationFailed("say what the document is (kind), in at most 64 characters")
    with transaction.atomic():
        doc = AdmissionDocument.objects.create(
            application=app,
            kind=kind.strip(),
            filename=filename[:200] or "document",
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        audit.record(
            actor,
            "admission.document_uploaded",
            target=app,
            details={"document": doc.pk, "kind": doc.kind, "sha256": doc.sha256},
        )
    return doc


def do_review_document(
    doc: AdmissionDocument, *, actor: Actor, accepted: bool, note: str = ""
) -> AdmissionDocument:
    if not accepted and not note.strip():
        raise ValidationFailed("say why the document is rejected, so the applicant can fix it")
    doc.review = DocumentReview.ACCEPTED if accepted else DocumentReview.REJECTED
    doc.review_note, doc.reviewed_by = note.strip(), actor.label
    with transaction.atomic():
        doc.save(update_fields=["review", "review_note", "reviewed_by"])
        audit.record(
            actor,
            "admission.document_reviewed",
            target=doc.application,
            reason=note,
            details={"document": doc.pk, "review": doc.review},
        )
    return doc


def missing_qualifications(app: AdmissionApplication) -> list[str]:
    accepted = set(app.documents.filter(review=DocumentReview.ACCEPTED).values_list("kind", flat=True))
    return [q for q in app.required_qualifications if q not in accepted]


def do_decide(
    app: AdmissionApplication, decision: str, *, actor: Actor, reason: str = ""
) -> AdmissionApplication:
    if decision not in DECISIONS:
        raise ValidationFailed(f"decision must be one of {', '.join(DECISIONS)}")
    if decision != "approve" and not reason.strip():
        raise ValidationFailed(
            "rejecting or asking for more information needs a reason the applicant can act on"
        )
    to_state = DECISIONS[decision]
    with transaction.atomic():
        extra: dict[str, Any] = {"decision_reason": reason.strip(), "decided_at": timezone.now()}
        # When the move is not allowed, ADMISSION.move below refuses it with the allowed states.
        if decision == "approve" and ADMISSION.can_move(app, to_state):
            missing = missing_qualifications(app)
            if missing:
                raise Conflict(
                    f"accept a {', '.join(missing)} document before approving", code="qualification_missing"
                )
            extra["merchant"] = _create_merchant(app, actor)
        ADMISSION.move(app, to_state, actor=actor, reason=reason.strip(), extra_updates=extra)
        audit.record(actor, f"admission.{to_state}", target=app, reason=reason.strip())
    return app


def _create_merchant(app: AdmissionApplication, actor: Actor) -> Merchant:
    merchant = do_create_merchant(
        actor=actor,
        external_id=app.external_id or f"adm-{app.pk}",
        legal_name=app.legal_name,
        uscc=app.uscc,
        legal_rep_name=app.legal_rep_name.reveal(),
        legal_rep_id_number=app.legal_rep_id_number.reveal(),
        contact_phone=app.contact_phone.reveal() if app.contact_phone else "",
        contact_email=app.contact_email.reveal() if app.contact_email else "",
        deposit_amount=app.deposit_amount,
        deposit_currency=app.deposit_currency,
    )
    if app.shop_name:
        do_create_shop(merchant, actor=actor, external_id=f"{merchant.external_id}-shop", name=app.shop_name)
    if app.applicant is not None and app.applicant.merchant_id is None:
        app.applicant.merchant = merchant
        app.applicant.save(update_fields=["merchant"])
    credit.recompute(merchant, reason="admitted")
    return merchant


def do_resubmit(app: AdmissionApplication, *, actor: Actor, note: str = "") -> AdmissionApplication:
    with transaction.atomic():
        ADMISSION.move(app, A.SUBMITTED, actor=actor, reason=note.strip() or "resubmitted")
        audit.record(actor, "admission.resubmitted", target=app, reason=note.strip())
        _apply_checks(app)
    return app


def do_block_identity(*, actor: Actor, kind: str, value: str, reason: str) -> BlockedIdentity:
    if kind not in ("uscc", "resident_id"):
        raise ValidationFailed("kind must be uscc or resident_id")
    if not reason.strip():
        raise ValidationFailed("blocking an identity needs a reason")
    value = value.strip().upper()
    try:
        (check_uscc if kind == "uscc" else check_resident_id)(value)
    except IdentityInvalid as exc:
        raise ValidationFailed(f"value: {exc.message}", code=f"invalid_{kind}") from None
    index = pii.blind_index(value)
    if BlockedIdentity.objects.filter(kind=kind, value_index=index).exists():
        raise Conflict("this identity is already blocklisted", code="duplicate")
    with transaction.atomic():
        row = BlockedIdentity.objects.create(
            kind=kind, value_index=index, reason=reason.strip(), created_by=actor.label
        )
        audit.record(
            actor, "admission.identity_blocked", target=row, reason=reason.strip(), details={"kind": kind}
        )
    return row

"""Merchant admission over the API: automatic checks, documents, decisions, audit, and bad input."""

from __future__ import annotations

from conftest import VALID_RESIDENT_IDS, VALID_USCC
from django.core.files.uploadedfile import SimpleUploadedFile

from trustdesk.audit.models import AuditEvent
from trustdesk.merchants.models import AdmissionApplication, AdmissionEvent, BlockedIdentity, Merchant

PDF = b"%PDF-1.4 licence scan"


def application(**overrides):
    body = {
        "legal_name": "上海优选食品有限公司",
        "uscc": VALID_USCC[1],
        "legal_rep_name": "张三",
        "legal_rep_id_number": VALID_RESIDENT_IDS[1],
        "categories": ["food"],
        "contact_phone": "13700001111",
        "shop_name": "优选食品店",
        "deposit_amount": "10000.00",
    }
    body.update(overrides)
    return body


def make_food_category(api):
    body = {"code": "food", "name_en": "Food", "name_zh": "食品", "requires_qualification": "food_licence"}
    assert api.post("/categories", body)[0] == 201


def upload(api, pk, kind="food_licence", content=PDF, content_type="application/pdf"):
    file = SimpleUploadedFile("licence.pdf", content, content_type=content_type)
    response = api.client.post(
        f"/api/v1/admissions/{pk}/documents",
        {"kind": kind, "file": file},
        HTTP_AUTHORIZATION=f"Bearer {api.bearer}",
    )
    return response.status_code, response.json()


def test_an_application_goes_from_submission_to_an_approved_merchant(api):
    make_food_category(api)
    status, app = api.post("/admissions", application())
    assert status == 201, app
    assert app["state"] == "under_review"
    assert (
        app["legal_rep_id_number_masked"].startswith(VALID_RESIDENT_IDS[1][:4])
        and "*" in app["legal_rep_id_number_masked"]
    )
    assert {c["code"]: c["outcome"] for c in app["checks"]} == {
        "checksums": "pass",
        "qualification_missing": "warn",
    }
    pk = app["id"]

    status, body = api.post(f"/admissions/{pk}/decision", {"decision": "approve"})
    assert status == 409 and body["code"] == "qualification_missing"

    status, doc = upload(api, pk)
    assert status == 201 and doc["review"] == "pending" and doc["size"] == len(PDF)
    assert api.post(f"/admissions/{pk}/documents/{doc['id']}/review", {"accepted": True})[0] == 200
    status, app = api.post(f"/admissions/{pk}/decision", {"decision": "approve"})
    assert status == 200 and app["state"] == "approved" and app["merchant"] == f"adm-{pk}"

    merchant = Merchant.objects.get(external_id=f"adm-{pk}")
    assert merchant.legal_rep_id_number.reveal() == VALID_RESIDENT_IDS[1]
    assert merchant.shops.get().name == "优选食品店"
    assert merchant.credit.tier == "A"
    steps = list(AdmissionEvent.objects.filter(application_id=pk).values_list("from_state", "to_state"))
    assert steps == [("", "submitted"), ("submitted", "under_review"), ("under_review", "approved")]
    actions = set(
        AuditEvent.objects.filter(
            target_type="merchants.admissionapplication", target_id=str(pk)
        ).values_list("action", flat=True)
    )
    assert {
        "admission.submitted",
        "admission.checked",
        "admission.document_uploaded",
        "admission.document_reviewed",
        "admission.approved",
    } <= actions


def test_more_information_then_resubmission_then_rejection_with_a_reason(api):
    make_food_category(api)
    pk = api.post("/admissions", application())[1]["id"]
    assert api.post(f"/admissions/{pk}/decision", {"decision": "needs_more_info"})[0] == 422
    status, app = api.post(
        f"/admissions/{pk}/decision", {"decision": "needs_more_info", "reason": "upload the food licence"}
    )
    assert status == 200 and app["state"] == "needs_more_info"
    upload(api, pk)
    status, app = api.post(f"/admissions/{pk}/resubmission", {"note": "licence uploaded"})
    assert status == 200 and app["state"] == "under_review"
    assert "qualification_missing" not in {c["code"] for c in app["checks"]}
    status, app = api.post(f"/admissions/{pk}/decision", {"decision": "reject", "reason": "licence expired"})
    assert status == 200 and app["state"] == "rejected" and app["decision_reason"] == "licence expired"
    status, body = api.post(f"/admissions/{pk}/decision", {"decision": "approve"})
    assert status == 409 and body["code"] == "invalid_transition"
    assert not Merchant.objects.exists()


def test_duplicates_and_blocklisted_identities_are_rejected_automatically(api, marketplace):
    make_food_category(api)
    status, app = api.post("/admissions", application(uscc=VALID_USCC[0]))
    assert status == 201 and app["state"] == "rejected"
    assert "already exists" in app["decision_reason"]

    status, app = api.post("/admissions", application(legal_rep_id_number=VALID_RESIDENT_IDS[0]))
    assert app["state"] == "under_review"
    assert "duplicate_legal_rep" in {c["code"] for c in app["checks"]}

    assert api.post("/blocklist", {"kind": "uscc", "value": VALID_USCC[2], "reason": "fraud ring"})[0] == 201
    status, app = api.post("/admissions", application(uscc=VALID_USCC[2]))
    assert app["state"] == "rejected" and "fraud ring" in app["decision_reason"]
    assert api.post("/blocklist", {"kind": "uscc", "value": VALID_USCC[2], "reason": "again"})[0] == 409

    block = {"kind": "resident_id", "value": VALID_RESIDENT_IDS[2], "reason": "court order"}
    assert api.post("/blocklist", block)[0] == 201
    status, app = api.post("/admissions", application(legal_rep_id_number=VALID_RESIDENT_IDS[2].lower()))
    assert app["state"] == "rejected" and "court order" in app["decision_reason"]
    assert AuditEvent.objects.filter(action="admission.identity_blocked").count() == 2


def test_the_same_legal_representative_in_two_open_applications_is_flagged(api):
    make_food_category(api)
    first = api.post("/admissions", application())[1]
    assert "duplicate_legal_rep" not in {c["code"] for c in first["checks"]}
    _status, second = api.post("/admissions", application(uscc=VALID_USCC[2], legal_name="另一家公司"))
    assert second["state"] == "under_review"
    assert {c["code"]: c["outcome"] for c in second["checks"]}["duplicate_legal_rep"] == "warn"


def test_bad_applications_are_refused_and_nothing_is_stored(api):
    make_food_category(api)
    cases = [
        (application(uscc="91350100M000100Y44"), 422, "invalid_uscc"),
        (application(legal_rep_id_number="11010519491231002Y"), 422, "invalid_resident_id"),
        (application(categories=["no-such-category"]), 422, "unknown_category"),
        (application(legal_name="x" * 201), 422, "validation_failed"),
        (application(surprise=True), 422, "validation_failed"),
    ]
    for body, status, code in cases:
        got_status, got = api.post("/admissions", body)
        assert (got_status, got["code"]) == (status, code), body
    assert api.post("/admissions", raw=b'{"legal_name": "\xff"}')[0] == 400
    assert not AdmissionApplication.objects.exists()


def test_documents_must_be_pdf_or_images_of_sensible_size(api):
    make_food_category(api)
    pk = api.post("/admissions", application())[1]["id"]
    status, body = upload(api, pk, content=b"MZ...", content_type="application/x-msdownload")
    assert status == 422 and body["code"] == "unsupported_document"
    status, body = upload(api, pk, content=b"")
    assert status == 422
    assert not AdmissionApplication.objects.get(pk=pk).documents.exists()


def test_decisions_need_the_governance_scope(api, api_client):
    make_food_category(api)
    pk = api.post("/admissions", application())[1]["id"]
    status, body = api_client("merchants:write").post(f"/admissions/{pk}/decision", {"decision": "approve"})
    assert status == 403 and body["code"] == "missing_scope"


class RegistryVerifier:
    """Stands in for a business-registry provider: it knows one company and no one else."""

    def verify(self, kind, value, *, holder_name=""):
        from trustdesk.merchants.verifiers import Verdict

        if kind == "uscc" and value != VALID_USCC[1]:
            return Verdict(False, "not_registered", "no company is registered under this code")
        return Verdict(True)


def test_a_configured_identity_provider_is_asked_and_its_refusal_rejects(api, settings):
    settings.IDENTITY_VERIFIER = "test_admission.RegistryVerifier"
    make_food_category(api)
    status, app = api.post("/admissions", application(uscc=VALID_USCC[2]))
    assert status == 201 and app["state"] == "rejected"
    assert "identity provider does not confirm the USCC" in app["decision_reason"]
    status, app = api.post("/admissions", application())
    assert app["state"] == "under_review"
    assert "identity_provider" not in {c["code"] for c in app["checks"]}
    status, body = api.post("/identity/validate", {"kind": "uscc", "value": VALID_USCC[2]})
    assert body == {
        "valid": False,
        "code": "not_registered",
        "reason": "no company is registered under this code",
    }


def test_a_malformed_identity_cannot_be_blocklisted(api):
    status, body = api.post("/blocklist", {"kind": "uscc", "value": "91350100M000100Y44", "reason": "fraud"})
    assert status == 422 and body["code"] == "invalid_uscc"
    status, body = api.post(
        "/blocklist", {"kind": "resident_id", "value": "11010519491231002Y", "reason": "x"}
    )
    assert status == 422 and body["code"] == "invalid_resident_id"
    assert not BlockedIdentity.objects.exists()

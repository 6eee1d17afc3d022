"""Governance console pages: the merchant lifecycle, penalties with their one appeal, credit, the listing
check, price alerts and spot checks — each for its role only, and in Chinese when chosen."""

from __future__ import annotations

import pytest
from conftest import VALID_RESIDENT_IDS, VALID_USCC
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from trustdesk.audit.models import AuditEvent
from trustdesk.compliance.models import InspectionTask, SamplingPlan
from trustdesk.listings.models import Listing
from trustdesk.merchants.models import AdmissionApplication, Merchant, MerchantEvent, Penalty

EVIDENCE = [{"label": "report", "ref": "r-1"}]


@pytest.fixture
def merchant(marketplace):
    return Merchant.objects.get(external_id="m-1")


def test_governance_moves_a_merchant_through_its_lifecycle_with_reasons(staff_client, merchant):
    client = staff_client("governance")
    url = f"/governance/merchants/{merchant.pk}/governance/"
    page = client.get(url).content.decode()
    assert 'data-testid="merchant-status">Active' in page
    for status in ("warned", "active", "warned", "restricted", "suspended", "closed"):
        response = client.post(url, {"action": "status", "status": status, "reason": f"because {status}"})
        assert response.status_code == 302, response.content.decode()
    merchant.refresh_from_db()
    assert merchant.status == "closed"
    steps = list(
        MerchantEvent.objects.filter(merchant=merchant)
        .exclude(from_state="")
        .order_by("at", "id")
        .values_list("from_state", "to_state", "actor_label", "reason")
    )
    assert [(a, b) for a, b, _who, _why in steps] == [
        ("active", "warned"),
        ("warned", "active"),
        ("active", "warned"),
        ("warned", "restricted"),
        ("restricted", "suspended"),
        ("suspended", "closed"),
    ]
    assert all(who == "governance" and why.startswith("because") for _a, _b, who, why in steps)
    assert AuditEvent.objects.filter(action="merchant.status_changed").count() == 6
    # Closed is final, and a move without a reason is refused.
    refused = client.post(url, {"action": "status", "status": "active", "reason": "reopen"})
    assert refused.status_code == 422 and "closed" in refused.content.decode()
    assert "A closed merchant stays closed." in client.get(url).content.decode()


def test_a_status_change_needs_a_reason(staff_client, merchant):
    client = staff_client("governance")
    url = f"/governance/merchants/{merchant.pk}/governance/"
    assert client.post(url, {"action": "status", "status": "warned", "reason": " "}).status_code == 422
    merchant.refresh_from_db()
    assert merchant.status == "active"


def test_a_penalty_is_imposed_appealed_once_and_overturned_in_the_console(staff_client, make_user, merchant):
    governance = staff_client("governance")
    url = f"/governance/merchants/{merchant.pk}/governance/"
    bad = governance.post(
        url, {"action": "penalty", "kind": "listing_removal", "reason": "x", "evidence": "r"}
    )
    assert bad.status_code == 422 and Penalty.objects.count() == 0  # a removal names a listing
    response = governance.post(
        url,
        {
            "action": "penalty",
            "kind": "traffic_restriction",
            "reason": "false advertising",
            "evidence": "listing-check:l-1\nscreenshot-7",
        },
    )
    penalty = Penalty.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/governance/penalties/{penalty.pk}/"
    assert [e["ref"] for e in penalty.evidence] == ["listing-check:l-1", "screenshot-7"]
    merchant.refresh_from_db()
    assert merchant.status == "restricted" and penalty.published

    owner = make_user("shopowner", "merchant", merchant_id=merchant.pk, totp=False)
    shop = Client()
    shop.force_login(owner)
    assert "false advertising" in shop.get("/governance/my-penalties/").content.decode()
    assert (
        shop.post(
            "/governance/my-penalties/", {"penalty": penalty.pk, "text": "the claim is true"}
        ).status_code
        == 302
    )
    again = shop.post("/governance/my-penalties/", {"penalty": penalty.pk, "text": "once more"})
    assert again.status_code == 422 and "already been appealed" in again.content.decode()
    # Another merchant's penalty cannot be appealed from this account.
    assert shop.get(f"/governance/penalties/{penalty.pk}/").status_code == 403

    detail = f"/governance/penalties/{penalty.pk}/"
    assert "the claim is true" in governance.get(detail).content.decode()
    assert governance.post(detail, {"decision": "overturn", "reason": ""}).status_code == 422
    assert governance.post(detail, {"decision": "overturn", "reason": "claim verified"}).status_code == 302
    penalty.refresh_from_db()
    merchant.refresh_from_db()
    assert penalty.state == "overturned" and not penalty.published and merchant.status == "active"
    actions = list(AuditEvent.objects.filter(action__startswith="penalty.").values_list("action", flat=True))
    assert sorted(actions) == ["penalty.appealed", "penalty.imposed", "penalty.overturned"]


def test_each_governance_page_answers_its_role_and_refuses_others(staff_client, api, merchant):
    api.post("/merchants/m-1/penalties", {"kind": "warning", "reason": "late", "evidence": EVIDENCE})
    api.patch("/listings/l-1", {"price": "5.00"})
    api.post("/spot-checks/plans", {"period": "2026-11", "size": 1, "seed": "s"})
    penalty, task = Penalty.objects.get(), InspectionTask.objects.get()
    pages = {
        "/governance/admissions/": ("governance",),
        f"/governance/merchants/{merchant.pk}/governance/": ("governance",),
        f"/governance/penalties/{penalty.pk}/": ("governance",),
        "/governance/penalties/": ("governance",),
        f"/governance/merchants/{merchant.pk}/credit/": ("governance", "inspector", "agent", "auditor"),
        "/compliance/listings/": ("governance", "inspector"),
        "/compliance/price-alerts/": ("governance", "inspector"),
        "/compliance/spot-checks/": ("governance", "inspector"),
        "/compliance/spot-checks/2026-11/": ("governance", "inspector"),
        f"/compliance/inspections/{task.pk}/": ("inspector",),
        "/compliance/check/": ("governance", "inspector"),
    }
    clients = {role: staff_client(role) for role in ("governance", "inspector", "agent", "auditor")}
    for path, allowed in pages.items():
        for role, client in clients.items():
            status = client.get(path).status_code
            assert status == (200 if role in allowed else 403), (path, role, status)
        assert Client().get(path).status_code == 302


def test_the_pages_are_chinese_when_chosen(staff_client, api, merchant):
    api.patch("/listings/l-1", {"price": "5.00"})
    # Checked and stored through the API, in English; read in the console, in Chinese.
    flagged = {
        "external_id": "l-9",
        "shop": "s-1",
        "title": "全网第一 T恤",
        "category": "apparel",
        "price": "9",
    }
    assert api.post("/listings", flagged)[0] == 201
    listing = Listing.objects.get(external_id="l-9")
    client = staff_client("governance")
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    expected = {
        f"/governance/merchants/{merchant.pk}/governance/": ["修改状态", "处罚"],
        f"/governance/merchants/{merchant.pk}/credit/": [
            "信用",
            "抽检权重",
            "订单履约",
            "近 90 天没有已付款订单",
        ],
        f"/compliance/listings/{listing.pk}/": ["绝对化用语", "广告法"],
        "/compliance/listings/": ["需修改"],
        "/compliance/price-alerts/": ["价格预警"],
        "/compliance/spot-checks/": ["抽检"],
        "/compliance/check/": ["检查商品"],
    }
    for path, words in expected.items():
        page = client.get(path).content.decode()
        for word in words:
            assert word in page, (path, word)


def test_spot_check_plans_are_drawn_in_the_console_and_inspected(staff_client, merchant):
    governance = staff_client("governance")
    assert governance.post("/compliance/spot-checks/", {"period": "2026-12", "size": "1"}).status_code == 302
    plan = SamplingPlan.objects.get(period="2026-12")
    assert len(plan.seed) == 32 and len(plan.population) == 2
    page = governance.get("/compliance/spot-checks/").content.decode()
    assert plan.seed in page
    # An auditor's view of the plan: the recorded inputs and a fresh re-draw from them.
    detail = governance.get("/compliance/spot-checks/2026-12/").content.decode()
    assert 'data-testid="redraw">matches the recorded draw' in detail and plan.seed in detail
    inspector = staff_client("inspector")
    task = plan.tasks.get()
    url = f"/compliance/inspections/{task.pk}/"
    assert inspector.post(url, {"action": "start"}).status_code == 302
    failed = inspector.post(url, {"passed": "no", "findings": "fabric is polyester", "evidence": ""})
    assert failed.status_code == 422  # a failure needs evidence
    done = inspector.post(url, {"passed": "no", "findings": "fabric is polyester", "evidence": "lab-1"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.state == "failed" and task.evidence == [{"label": "inspector note", "ref": "lab-1"}]
    assert Penalty.objects.get().source == f"inspection:{task.pk}"


def test_an_applicant_answers_a_request_for_more_information_in_the_console(staff_client, make_user, api):
    body = {"code": "food", "name_en": "Food", "name_zh": "食品", "requires_qualification": "food_licence"}
    assert api.post("/categories", body)[0] == 201
    applicant = Client()
    applicant.force_login(make_user("applicant", "merchant", totp=False))
    form = {
        "legal_name": "上海优选食品有限公司",
        "uscc": VALID_USCC[1],
        "legal_rep_name": "张三",
        "legal_rep_id_number": VALID_RESIDENT_IDS[1],
        "categories": "food",
    }
    assert applicant.post("/governance/apply/", form).status_code == 302
    app = AdmissionApplication.objects.get()
    governance = staff_client("governance")
    url = f"/governance/admissions/{app.pk}/"
    governance.post(url, {"decision": "needs_more_info", "reason": "upload the food licence"})
    page = applicant.get("/governance/my-applications/").content.decode()
    assert "upload the food licence" in page and 'data-testid="resubmit"' in page

    licence = SimpleUploadedFile("licence.pdf", b"%PDF-1.4 licence", content_type="application/pdf")
    other = Client()
    other.force_login(make_user("someone-else", "merchant", totp=False))
    # Only the applicant can act on the application.
    assert (
        other.post("/governance/my-applications/", {"application": app.pk, "action": "resubmit"}).status_code
        == 404
    )
    uploaded = applicant.post(
        "/governance/my-applications/", {"application": app.pk, "kind": "food_licence", "document": licence}
    )
    assert uploaded.status_code == 302 and app.documents.get().kind == "food_licence"
    assert (
        applicant.post(
            "/governance/my-applications/", {"application": app.pk, "action": "resubmit"}
        ).status_code
        == 302
    )
    app.refresh_from_db()
    assert app.state == "under_review"
    assert "qualification_missing" not in {c["code"] for c in app.checks}


def test_governance_blocklists_an_identity_in_the_console_and_it_is_refused(staff_client, api):
    client = staff_client("governance")
    bad = client.post(
        "/governance/admissions/", {"kind": "uscc", "value": "91350100M000100Y44", "reason": "x"}
    )
    assert bad.status_code == 422 and "check character" in bad.content.decode()
    ok = client.post(
        "/governance/admissions/",
        {"kind": "resident_id", "value": VALID_RESIDENT_IDS[1].lower(), "reason": "court order"},
    )
    assert ok.status_code == 302
    page = client.get("/governance/admissions/").content.decode()
    assert "court order" in page and VALID_RESIDENT_IDS[1] not in page
    application = {
        "legal_name": "上海优选食品有限公司",
        "uscc": VALID_USCC[1],
        "legal_rep_name": "张三",
        "legal_rep_id_number": VALID_RESIDENT_IDS[1],
    }
    status, app = api.post("/admissions", application)
    assert status == 201 and app["state"] == "rejected" and "court order" in app["decision_reason"]

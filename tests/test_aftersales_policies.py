"""Deadline policies per category and merchant: the most specific claim sets a new case's clocks, a
case keeps the policy it opened under, and admins manage policies through the API and the console."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import VALID_RESIDENT_IDS, VALID_USCC
from test_aftersales_support import delivered_order, open_case, shop

from trustdesk.aftersales.models import Deadline, Policy, PolicyScope
from trustdesk.aftersales.policies import policy_for
from trustdesk.audit.models import AuditEvent
from trustdesk.listings.models import Category
from trustdesk.merchants.models import Merchant

__all__ = ["shop"]

APPAREL, ELECTRONICS = 0, 1  # the item indexes of the test order


def _response_hours(case: dict[str, Any]) -> float:
    deadline = Deadline.objects.get(case_id=case["id"], kind="merchant_response")
    return (deadline.due_at - deadline.started_at) / timedelta(hours=1)


def _new_policy(api, code: str, hours: int) -> None:
    status, body = api.post(
        "/aftersales/policies", {"code": code, "name": code.title(), "merchant_response_hours": hours}
    )
    assert status == 201, body
    assert body["merchant_response_hours"] == hours and body["refund_days"] == 7 and body["scopes"] == []


def _scope(api, code: str, **target: str) -> int:
    status, body = api.post(f"/aftersales/policies/{code}/scopes", target)
    assert status == 201, body
    return body["scopes"][-1]["id"]


def test_the_most_specific_policy_claims_a_new_case_and_the_case_keeps_it(shop):
    orders = iter(delivered_order(shop, f"o-{n}") for n in range(1, 20))

    def opened(index: int) -> dict[str, Any]:
        return open_case(shop, next(orders), index)

    _new_policy(shop, "fresh", 24)
    _new_policy(shop, "vip", 12)
    _new_policy(shop, "vip-gadgets", 6)

    fresh_apparel = _scope(shop, "fresh", category="apparel")
    first = opened(APPAREL)
    assert (first["policy"], _response_hours(first)) == ("fresh", 24)
    plain = opened(ELECTRONICS)
    assert (plain["policy"], _response_hours(plain)) == ("default", 48)

    vip = _scope(shop, "vip", merchant="m-1")  # the merchant outranks its category
    assert [(c["policy"], _response_hours(c)) for c in (opened(APPAREL), opened(ELECTRONICS))] == [
        ("vip", 12),
        ("vip", 12),
    ]
    _scope(shop, "vip-gadgets", merchant="m-1", category="electronics")  # the pair outranks both
    assert [(c["policy"], _response_hours(c)) for c in (opened(APPAREL), opened(ELECTRONICS))] == [
        ("vip", 12),
        ("vip-gadgets", 6),
    ]

    status, body = shop.delete(f"/aftersales/policies/vip/scopes/{vip}")
    assert status == 200 and body["scopes"] == []
    again = opened(APPAREL)
    assert (again["policy"], _response_hours(again)) == ("fresh", 24)

    # Cases keep what they opened under, whatever the scopes do afterwards.
    shop.delete(f"/aftersales/policies/fresh/scopes/{fresh_apparel}")
    status, body = shop.get(f"/aftersales/cases/{first['id']}")
    assert status == 200 and body["policy"] == "fresh" and _response_hours(first) == 24
    assert opened(APPAREL)["policy"] == "default"

    actions = list(
        AuditEvent.objects.filter(action__startswith="aftersales.policy").values_list("action", flat=True)
    )
    assert actions.count("aftersales.policy_created") == 3
    assert actions.count("aftersales.policy_scoped") == 3 and actions.count("aftersales.policy_unscoped") == 2


def test_another_merchant_in_the_category_follows_the_category_not_the_first_merchant(shop):
    body = {
        "external_id": "m-2",
        "legal_name": "上海优选商贸有限公司",
        "uscc": VALID_USCC[1],
        "legal_rep_name": "李华",
        "legal_rep_id_number": VALID_RESIDENT_IDS[1],
        "contact_phone": "13800138001",
        "deposit_amount": "5000.00",
    }
    assert shop.post("/merchants", body)[0] == 201
    _new_policy(shop, "fresh", 24)
    _new_policy(shop, "vip", 12)
    _scope(shop, "fresh", category="apparel")
    _scope(shop, "vip", merchant="m-1")
    apparel, electronics = Category.objects.get(code="apparel"), Category.objects.get(code="electronics")
    first, other = Merchant.objects.get(external_id="m-1"), Merchant.objects.get(external_id="m-2")

    assert policy_for(first.pk, apparel.pk).code == "vip"
    assert policy_for(other.pk, apparel.pk).code == "fresh"
    assert policy_for(other.pk, electronics.pk).code == "default"


def test_policy_changes_through_the_api_and_bad_ones_change_nothing(shop, api_client):
    _new_policy(shop, "fresh", 24)
    status, body = shop.patch("/aftersales/policies/fresh", {"refund_days": 3, "name": "Fresh food"})
    assert status == 200 and body["refund_days"] == 3 and body["name"] == "Fresh food"
    assert body["merchant_response_hours"] == 24
    status, body = shop.patch("/aftersales/policies/default", {"merchant_response_hours": 36})
    assert status == 200 and body["merchant_response_hours"] == 36
    status, listed = shop.get("/aftersales/policies")
    assert status == 200 and [p["code"] for p in listed] == ["default", "fresh"]
    _scope(shop, "fresh", category="apparel")
    reader = api_client("aftersales:read")

    policies, scopes, audits = Policy.objects.count(), PolicyScope.objects.count(), AuditEvent.objects.count()
    refused = [
        (shop.post("/aftersales/policies", {"code": "fresh", "name": "Again"}), 409, "policy_exists"),
        (shop.post("/aftersales/policies", {"code": "bad code!", "name": "X"}), 422, None),
        (shop.post("/aftersales/policies", {"code": "x", "name": "X", "refund_days": 0}), 422, None),
        (shop.post("/aftersales/policies", {"code": "x", "name": "X", "refund_days": 3651}), 422, None),
        (shop.post("/aftersales/policies", {"code": "x", "name": "X", "refund_days": "soon"}), 422, None),
        (shop.post("/aftersales/policies", {"code": "x", "name": "X", "colour": "red"}), 422, None),
        (shop.patch("/aftersales/policies/nope", {"refund_days": 3}), 404, "unknown_policy"),
        (shop.patch("/aftersales/policies/fresh", {"refund_days": -1}), 422, None),
        (shop.post("/aftersales/policies/default/scopes", {"category": "apparel"}), 422, "default_unscoped"),
        (shop.post("/aftersales/policies/fresh/scopes", {}), 422, "empty_scope"),
        (shop.post("/aftersales/policies/fresh/scopes", {"category": "toys"}), 404, "unknown_category"),
        (shop.post("/aftersales/policies/fresh/scopes", {"merchant": "m-9"}), 404, "unknown_merchant"),
        (shop.post("/aftersales/policies/fresh/scopes", {"category": "apparel"}), 409, "scope_taken"),
        (shop.delete("/aftersales/policies/fresh/scopes/999999"), 404, "unknown_scope"),
        (shop.post("/aftersales/policies", raw="{not json"), 400, None),
    ]
    for (status, body), want_status, want_code in refused:
        assert status == want_status, body
        assert body["code"] and body["message"]
        if want_code:
            assert body["code"] == want_code, body
    status, body = reader.post("/aftersales/policies", {"code": "y", "name": "Y"})
    assert status == 403 and body["code"]
    assert reader.get("/aftersales/policies/fresh")[0] == 200
    assert (Policy.objects.count(), PolicyScope.objects.count(), AuditEvent.objects.count()) == (
        policies,
        scopes,
        audits,
    )
    assert Policy.objects.get(code="fresh").refund_days == 3


def test_admins_manage_policies_in_the_console(shop, staff_client):
    admin = staff_client("admin")
    page = admin.get("/aftersales/policies/")
    assert page.status_code == 200 and "merchant response (hours)" in page.content.decode()

    assert (
        admin.post(
            "/aftersales/policies/", {"action": "create", "code": "bulky", "name": "Bulky"}
        ).status_code
        == 302
    )
    bulky = Policy.objects.get(code="bulky")
    assert bulky.updated_by == "admin" and bulky.merchant_response_hours == 48
    form = {"action": "scope", "policy": bulky.pk, "category": "electronics", "merchant": ""}
    assert admin.post("/aftersales/policies/", form).status_code == 302
    page = admin.get("/aftersales/policies/").content.decode()
    assert "category electronics" in page
    order = delivered_order(shop)
    assert open_case(shop, order, ELECTRONICS)["policy"] == "bulky"

    refused = admin.post("/aftersales/policies/", form)  # already claimed
    assert refused.status_code == 422 and "already follows policy" in refused.content.decode()
    unknown = admin.post("/aftersales/policies/", {**form, "category": "", "merchant": "m-404"})
    assert unknown.status_code == 422 and "m-404" in unknown.content.decode()
    bad = admin.post("/aftersales/policies/", {"action": "change", "policy": bulky.pk, "refund_days": "soon"})
    assert bad.status_code == 422
    scope = PolicyScope.objects.get(policy=bulky)
    assert admin.post("/aftersales/policies/", {"action": "unscope", "scope": scope.pk}).status_code == 302
    assert not PolicyScope.objects.exists()
    assert set(AuditEvent.objects.filter(actor_label="admin").values_list("action", flat=True)) >= {
        "aftersales.policy_created",
        "aftersales.policy_scoped",
        "aftersales.policy_unscoped",
    }
    # Agents work cases; the clocks are not theirs to set.
    agent = staff_client("agent")
    assert (
        agent.post("/aftersales/policies/", {"action": "create", "code": "x", "name": "X"}).status_code == 403
    )
    assert not Policy.objects.filter(code="x").exists()

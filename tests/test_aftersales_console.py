"""Console sides of after-sales: admins edit deadline policies, both sides see the countdowns (and a
paused clock), and agents get the canned replies of the request's language."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone
from test_aftersales_support import delivered_order, merchant, open_case, shop

from trustdesk.accounts.models import Shopper
from trustdesk.aftersales import desk
from trustdesk.aftersales.models import CannedReply, Deadline, Policy
from trustdesk.aftersales.policies import PERIOD_FIELDS
from trustdesk.audit.models import AuditEvent
from trustdesk.merchants.models import Merchant

__all__ = ["shop"]


def _policy_form(policy: Policy, **changes: object) -> dict[str, object]:
    return {"policy": policy.pk, **{f: getattr(policy, f) for f in PERIOD_FIELDS}, **changes}


def test_an_admin_edits_a_policy_and_only_deadlines_started_later_follow_it(shop, staff_client):
    order = delivered_order(shop)
    before = open_case(shop, order, 0)["id"]
    running = Deadline.objects.get(case_id=before)
    admin = staff_client("admin")
    assert admin.get("/aftersales/policies/").status_code == 200
    policy = Policy.objects.get(code="default")

    response = admin.post("/aftersales/policies/", _policy_form(policy, merchant_response_hours=24))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.merchant_response_hours == 24 and policy.updated_by == "admin"
    change = AuditEvent.objects.get(action="aftersales.policy_changed")
    assert change.details["before"]["merchant_response_hours"] == 48
    assert change.details["after"]["merchant_response_hours"] == 24

    after = open_case(shop, order, 1, kind="repair", reason="quality")["id"]
    fresh = Deadline.objects.get(case_id=after)
    assert fresh.due_at - fresh.started_at == timedelta(hours=24)
    running.refresh_from_db()
    assert running.due_at - running.started_at == timedelta(hours=48)  # a snapshot, never moved

    for bad in (0, 3651, "soon"):
        response = admin.post("/aftersales/policies/", _policy_form(policy, refund_days=bad))
        assert response.status_code == 422
    policy.refresh_from_db()
    assert policy.refund_days == 7
    # Agents work cases but do not set the rules.
    assert staff_client("agent").post("/aftersales/policies/", _policy_form(policy)).status_code == 403


def _logged_in(make_user, username: str, role: str, **kwargs: object) -> Client:
    user = make_user(username, role, totp=False, **kwargs)
    client = Client()
    client.force_login(user)
    return client


def test_both_sides_see_the_countdown_and_the_paused_clock(shop, make_user):
    order = delivered_order(shop)
    # Opened ten hours ago: 38 of the merchant's 48 hours are left.
    cid = open_case(shop, order, at=(timezone.now() - timedelta(hours=10)).isoformat())["id"]
    shopper_client = _logged_in(make_user, "li-lei", "shopper")
    Shopper.objects.filter(external_id="u-1").update(user=shopper_client.session["_auth_user_id"])
    merchant_id = Merchant.objects.get(external_id="m-1").pk
    merchant_client = _logged_in(make_user, "shop-owner", "merchant", merchant_id=merchant_id)

    for client in (shopper_client, merchant_client):
        page = client.get(f"/aftersales/{cid}/").content.decode()
        assert 'data-testid="countdown"' in page and "1 d 13 h left" in page

    assert shop.post(f"/aftersales/cases/{cid}/questions", {**merchant, "body": "Which colour?"})[0] == 200
    for client in (shopper_client, merchant_client):
        page = client.get(f"/aftersales/{cid}/").content.decode()
        # The merchant's clock stands still with what it had left; the shopper's seven days run.
        assert 'data-testid="paused"' in page and "1 d 13 h left" in page
        assert 'data-testid="countdown"' in page and "6 d 23 h left" in page


def test_canned_replies_in_both_languages_and_the_agent_sees_them(shop, staff_client):
    intents = set(CannedReply.objects.values_list("intent", flat=True))
    assert {"quality", "refund_status", "service", "general"} <= intents
    for intent in intents:
        assert set(CannedReply.objects.filter(intent=intent).values_list("language", flat=True)) == {
            "zh",
            "en",
        }
    # Staff edit a reply; the desk suggests the edited text from then on.
    CannedReply.objects.filter(intent="quality", language="zh").update(
        body="您好，请提供故障视频，我们马上处理。"
    )
    assert desk.suggested_reply("quality", "zh") == "您好，请提供故障视频，我们马上处理。"
    assert (
        desk.suggested_reply("nonsense", "en")
        == CannedReply.objects.get(intent="general", language="en").body
    )

    order = delivered_order(shop)
    cid = open_case(shop, order, 1, kind="repair", reason="quality", description="耳机没声音了，还在保修期")[
        "id"
    ]
    page = staff_client("agent").get(f"/aftersales/{cid}/").content.decode()
    assert 'data-testid="canned"' in page and "您好，请提供故障视频，我们马上处理。" in page


def test_admins_edit_canned_replies_on_the_console(staff_client):
    admin = staff_client("admin")
    page = admin.get("/aftersales/canned-replies/")
    assert page.status_code == 200 and "七天无理由退货" in page.content.decode()
    form = {
        "intent": "refund_status",
        "language": "en",
        "title": "Refund timing",
        "body": "Paid within 7 days.",
    }
    assert admin.post("/aftersales/canned-replies/", form).status_code == 302
    assert desk.suggested_reply("refund_status", "en") == "Paid within 7 days."
    assert AuditEvent.objects.filter(action="aftersales.canned_reply_saved").count() == 1
    before = list(CannedReply.objects.values_list("intent", "language", "title", "body"))
    for bad in ({"intent": "weather"}, {"language": "fr"}, {"body": "  "}, {"title": "x" * 101}):
        response = admin.post("/aftersales/canned-replies/", {**form, **bad})
        assert response.status_code == 422
    assert list(CannedReply.objects.values_list("intent", "language", "title", "body")) == before
    assert staff_client("agent").post("/aftersales/canned-replies/", form).status_code == 403

"""Penalties: each kind's effect on the merchant, one appeal, undo when overturned, publication flag."""

from __future__ import annotations

from trustdesk.audit.models import AuditEvent
from trustdesk.merchants.models import Merchant

EVIDENCE = [{"label": "inspection report", "ref": "inspection:42"}]


def impose(api, **body):
    return api.post("/merchants/m-1/penalties", {"reason": "false advertising", "evidence": EVIDENCE, **body})


def test_a_warning_warns_and_an_overturned_appeal_restores(api, marketplace):
    status, penalty = impose(api, kind="warning")
    assert status == 201 and penalty["state"] == "decided" and penalty["published"] is True
    assert Merchant.objects.get(external_id="m-1").status == "warned"
    status, appealed = api.post(f"/penalties/{penalty['id']}/appeal", {"text": "the claim was a quote"})
    assert status == 200 and appealed["state"] == "appealed"
    status, body = api.post(f"/penalties/{penalty['id']}/appeal", {"text": "again"})
    assert status == 409 and body["code"] == "already_appealed"
    status, decided = api.post(
        f"/penalties/{penalty['id']}/appeal-decision", {"uphold": False, "reason": "quote verified"}
    )
    assert decided["state"] == "overturned" and decided["published"] is False
    assert Merchant.objects.get(external_id="m-1").status == "active"
    actions = set(AuditEvent.objects.filter(action__startswith="penalty.").values_list("action", flat=True))
    assert actions == {"penalty.imposed", "penalty.appealed", "penalty.overturned"}


def test_each_kind_has_its_effect(api, marketplace):
    assert impose(api, kind="listing_removal", listing="l-1")[0] == 201
    assert api.get("/listings/l-1")[1]["status"] == "removed"
    assert impose(api, kind="deposit_deduction", amount="1200.00")[0] == 201
    assert Merchant.objects.get(external_id="m-1").deposit_amount == 3800
    assert impose(api, kind="traffic_restriction")[0] == 201
    assert Merchant.objects.get(external_id="m-1").status == "restricted"
    # a lighter penalty never lifts a heavier state
    assert impose(api, kind="warning")[0] == 201
    assert Merchant.objects.get(external_id="m-1").status == "restricted"
    assert impose(api, kind="suspension")[0] == 201
    assert Merchant.objects.get(external_id="m-1").status == "suspended"
    _status, published = api.get("/penalties?merchant=m-1&published=true")
    assert len(published) == 5


def test_penalties_need_reason_evidence_and_valid_targets(api, marketplace):
    assert api.post("/merchants/m-1/penalties", {"kind": "warning", "reason": "x", "evidence": []})[0] == 422
    status, body = impose(api, kind="deposit_deduction", amount="999999.00")
    assert status == 422 and body["code"] == "deposit_insufficient"
    status, body = impose(api, kind="listing_removal")
    assert status == 422 and body["code"] == "listing_required"
    assert impose(api, kind="banishment")[0] == 422
    assert Merchant.objects.get(external_id="m-1").penalties.count() == 0

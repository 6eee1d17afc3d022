"""Bad input to the API: a 4xx with {code, message}, and nothing stored."""

from __future__ import annotations

import pytest
from conftest import VALID_RESIDENT_IDS, VALID_USCC

from trustdesk.merchants.models import Merchant

GOOD = {
    "external_id": "m-9",
    "legal_name": "Acme Trading Co.",
    "uscc": VALID_USCC[1],
    "legal_rep_name": "Zhang San",
    "legal_rep_id_number": VALID_RESIDENT_IDS[1],
}


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ('{"external_id": "m-9", ', 400, "malformed_json"),
        ("[1, 2, 3]", 422, "validation_failed"),
        ('"just a string"', 422, "validation_failed"),
    ],
)
def test_malformed_bodies_are_refused(api, raw, status, code):
    got_status, body = api.post("/merchants", raw=raw)
    assert (got_status, body["code"]) == (status, code)
    assert body["message"]
    assert not Merchant.objects.exists()


def test_unknown_fields_are_refused_by_name(api):
    status, body = api.post("/merchants", {**GOOD, "is_vip": True})
    assert status == 422 and body["code"] == "validation_failed"
    assert "is_vip" in body["message"]
    assert not Merchant.objects.exists()


def test_wrong_types_are_refused_with_the_field_named(api):
    status, body = api.post("/merchants", {**GOOD, "deposit_amount": "lots"})
    assert status == 422 and "deposit_amount" in body["message"]
    assert not Merchant.objects.exists()


def test_invalid_identity_is_refused_with_reason(api):
    status, body = api.post("/merchants", {**GOOD, "uscc": VALID_USCC[1][:-1] + "0"})
    assert status == 422 and body["code"] == "invalid_uscc"
    assert "check character" in body["message"]
    assert not Merchant.objects.exists()


def test_missing_token_is_401(client, db):
    response = client.post("/api/v1/merchants", GOOD, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not Merchant.objects.exists()


def test_unknown_or_revoked_token_is_401(api_client):
    from trustdesk.accounts.services import do_revoke_token
    from trustdesk.core.actors import Actor

    forged = api_client("merchants:write")
    forged.bearer = forged.bearer[:-4] + "AAAA"
    assert forged.post("/merchants", GOOD)[0] == 401
    revoked = api_client("merchants:write")
    do_revoke_token("test-1", actor=Actor.system("tests"))
    assert revoked.post("/merchants", GOOD)[0] == 401
    assert not Merchant.objects.exists()


def test_wrong_scope_is_403_and_names_the_scope(api_client):
    reader = api_client("merchants:read")
    status, body = reader.post("/merchants", GOOD)
    assert status == 403 and body["code"] == "missing_scope"
    assert "merchants:write" in body["message"]
    assert not Merchant.objects.exists()


def test_duplicate_external_id_is_a_conflict_and_keeps_the_first(api):
    assert api.post("/merchants", GOOD)[0] == 201
    status, body = api.post("/merchants", {**GOOD, "legal_name": "Someone else"})
    assert status == 409 and body["code"] == "duplicate"
    assert Merchant.objects.get().legal_name == "Acme Trading Co."


def test_unknown_object_is_404(api):
    status, body = api.get("/merchants/nope")
    assert status == 404 and body["code"] == "not_found"


def test_a_time_without_its_offset_is_refused_and_nothing_is_stored(api, marketplace):
    """Read in the server's own zone, or compared with stored zoned times, a time without its offset
    gave wrong deadlines or a 500: it is a 422 naming the field."""
    from trustdesk.listings.models import Listing
    from trustdesk.risk.models import ListEntry, RiskEvent

    naive = "2030-01-01T00:00:00"
    listing = {
        "external_id": "l-naive",
        "shop": "s-1",
        "category": "apparel",
        "title": "T恤",
        "price": "59.00",
        "created_at": naive,
    }
    block = {"kind": "ip", "value": "1.2.3.4", "action": "block", "reason": "x", "expires_at": naive}
    event = {"id": "n-1", "type": "login.failed", "user": "u", "occurred_at": naive}
    for path, body, field in (
        ("/listings", listing, "created_at"),
        ("/risk/lists", block, "expires_at"),
        ("/events", event, "occurred_at"),
    ):
        status, answer = api.post(path, body)
        assert status == 422, (path, answer)
        assert answer["code"] in ("validation_failed", "naive_time"), answer
        assert field in answer["message"] and "UTC offset" in answer["message"], answer
    assert not Listing.objects.filter(external_id="l-naive").exists()
    assert not ListEntry.objects.exists()
    assert not RiskEvent.objects.exists()
    # With the offset the same calls go through.
    assert api.post("/risk/lists", {**block, "expires_at": naive + "+08:00"})[0] == 201
    assert api.post("/events", {**event, "occurred_at": naive + "Z"})[0] == 200

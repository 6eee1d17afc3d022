"""Personal data is encrypted at rest, masked by default, revealed only with permission and reason."""

from __future__ import annotations

import pytest
from conftest import VALID_RESIDENT_IDS, order_body
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from trustdesk.audit.models import AuditEvent
from trustdesk.core import pii
from trustdesk.merchants.models import Merchant
from trustdesk.orders.models import Order


def _raw(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def test_stored_columns_hold_ciphertext_not_the_clear_value(api, marketplace):
    api.post("/orders", order_body())
    raw_id = _raw("merchants_merchant", "legal_rep_id_number")
    raw_address = _raw("orders_order", "shipping_address")
    raw_phone = _raw("accounts_shopper", "phone")
    for raw, clear in (
        (raw_id, VALID_RESIDENT_IDS[0]),
        (raw_address, "文三路"),
        (raw_phone, "13912345678"),
    ):
        assert clear not in raw
        assert raw.startswith("gAAAA")  # a Fernet token


def test_api_answers_show_masked_values_only(api, marketplace):
    status, merchant = api.get("/merchants/m-1")
    assert status == 200
    assert merchant["legal_rep_id_number_masked"] == "1101**********002X"
    assert merchant["contact_phone_masked"] == "138****8000"
    assert merchant["legal_rep_name_masked"] == "王**"
    assert VALID_RESIDENT_IDS[0] not in str(merchant)


def test_console_pages_mask_by_default(staff_client, api, marketplace):
    client = staff_client("governance")
    merchant = Merchant.objects.get()
    page = client.get(f"/merchants/{merchant.pk}/").content.decode()
    assert "1101**********002X" in page
    assert VALID_RESIDENT_IDS[0] not in page


def test_reveal_needs_permission(staff_client, marketplace):
    merchant = Merchant.objects.get()
    agent = staff_client("agent")
    url = f"/reveal/merchant/{merchant.pk}/legal_rep_id_number/"
    assert agent.post(url, {"reason": "customer asked"}).status_code == 403
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()


def test_reveal_needs_a_reason_and_is_audited(staff_client, marketplace):
    merchant = Merchant.objects.get()
    client = staff_client("governance", username="gov1")
    url = f"/reveal/merchant/{merchant.pk}/legal_rep_id_number/"
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 422
    assert not AuditEvent.objects.filter(action="pii.revealed").exists()
    shown = client.post(url, {"reason": "admission re-check, ticket 88"})
    assert shown.status_code == 200
    assert VALID_RESIDENT_IDS[0] in shown.content.decode()
    entry = AuditEvent.objects.get(action="pii.revealed")
    assert (entry.actor_label, entry.target_id, entry.reason) == (
        "gov1",
        str(merchant.pk),
        "admission re-check, ticket 88",
    )
    assert entry.details == {"field": "legal_rep_id_number"}
    assert VALID_RESIDENT_IDS[0] not in str(entry.details)


def test_only_listed_fields_can_be_revealed(staff_client, marketplace):
    merchant = Merchant.objects.get()
    client = staff_client("admin")
    assert client.post(f"/reveal/merchant/{merchant.pk}/uscc/", {"reason": "x" * 10}).status_code == 404
    assert client.post("/reveal/user/1/password/", {"reason": "x" * 10}).status_code == 404


def test_key_rotation_re_encrypts_under_the_new_key(api, marketplace, settings):
    api.post("/orders", order_body())
    old_key = settings.PII_KEYS[0]
    new_key = pii.new_key()
    before = _raw("orders_order", "shipping_address")
    with override_settings(PII_KEYS=[new_key, old_key]):
        call_command("pii", "rotate", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = _raw("orders_order", "shipping_address")
        assert after != before
    # Only the new key left: every value still reads back.
    with override_settings(PII_KEYS=[new_key]):
        order = Order.objects.get()
        assert "文三路" in order.shipping_address.reveal()
        assert Merchant.objects.get().legal_rep_name.reveal() == "王小明"
    assert AuditEvent.objects.filter(action="pii.keys_rotated").exists()


def test_a_missing_key_is_a_clear_error(api, marketplace):
    with override_settings(PII_KEYS=[pii.new_key()]), pytest.raises(pii.PiiKeyError, match="key"):
        Merchant.objects.get().legal_rep_name  # noqa: B018


def test_blind_index_finds_equal_ids_without_decrypting(api, marketplace):
    index = pii.blind_index(VALID_RESIDENT_IDS[0].lower())
    assert Merchant.objects.filter(legal_rep_id_index=index).count() == 1

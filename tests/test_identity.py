"""Identity validation: USCC (GB 32100-2015) and resident ID number (GB 11643-1999), over the API and as
properties: every generated valid identity passes, every single-character corruption fails."""

from __future__ import annotations

import string
from datetime import date, timedelta

from conftest import VALID_RESIDENT_IDS, VALID_USCC
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustdesk.merchants.identity import (
    RID_PROVINCES,
    USCC_ALPHABET,
    USCC_TYPES,
    rid_check_char,
    uscc_check_char,
)
from trustdesk.merchants.models import Merchant
from trustdesk.merchants.verifiers import validate

AUTHORITY_TYPE = [(a, t) for a, types in USCC_TYPES.items() for t in types]


@st.composite
def valid_uscc(draw: st.DrawFn) -> str:
    authority, kind = draw(st.sampled_from(AUTHORITY_TYPE))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    body = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    first17 = authority + kind + region + body
    return first17 + uscc_check_char(first17)


@st.composite
def valid_resident_id(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(sorted(RID_PROVINCES))) + draw(st.sampled_from(["01", "05", "24"]))
    region += draw(st.text("0123456789", min_size=2, max_size=2))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date.today()))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    first17 = region + born.strftime("%Y%m%d") + sequence
    return first17 + rid_check_char(first17)


def _corrupt(value: str, position: int, replacement: str) -> str:
    return value[:position] + replacement + value[position + 1 :]


@given(valid_uscc())
def test_every_well_formed_uscc_is_valid(code):
    assert validate("uscc", code).valid


@given(valid_uscc(), st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOSVZ-a"))
def test_any_single_character_change_of_a_uscc_is_caught(code, position, replacement):
    if code[position] == replacement:
        return
    assert not validate("uscc", _corrupt(code, position, replacement)).valid


@given(valid_resident_id())
def test_every_well_formed_resident_id_is_valid_and_lower_case_x_too(number):
    assert validate("resident_id", number).valid
    assert validate("resident_id", number.lower()).valid


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_resident_id(), st.integers(0, 17), st.sampled_from(string.digits + "XA"))
def test_any_single_character_change_of_a_resident_id_is_caught(number, position, replacement):
    if number[position] == replacement:
        return
    assert not validate("resident_id", _corrupt(number, position, replacement)).valid


def test_reasons_name_what_is_wrong():
    tomorrow = date.today() + timedelta(days=1)
    future = "110101" + tomorrow.strftime("%Y%m%d") + "123"
    cases = {
        ("uscc", VALID_USCC[0][:-1]): "length",
        ("uscc", "91350100M000100YI3"): "charset",
        ("uscc", "B1350100M000100Y43"): "authority",
        ("uscc", "95350100M000100Y43"): "type",
        ("uscc", VALID_USCC[0][:-1] + "0"): "checksum",
        ("resident_id", "99010519491231002X"): "region",
        ("resident_id", "11010519490231002X"): "birth_date",
        ("resident_id", future + rid_check_char(future)): "birth_date",
        ("resident_id", "11010519491231002１"): "charset",
        ("resident_id", "110105194912310021"): "checksum",
    }
    for (kind, value), code in cases.items():
        verdict = validate(kind, value)  # type: ignore[arg-type]
        assert (verdict.valid, verdict.code) == (False, code), (value, verdict)
        assert verdict.reason


def test_the_validate_endpoint(api):
    status, body = api.post("/identity/validate", {"kind": "uscc", "value": VALID_USCC[1]})
    assert status == 200 and body == {"valid": True, "code": None, "reason": ""}
    status, body = api.post(
        "/identity/validate", {"kind": "resident_id", "value": VALID_RESIDENT_IDS[0].lower()}
    )
    assert status == 200 and body["valid"] is True
    status, body = api.post("/identity/validate", {"kind": "resident_id", "value": "110105194912310021"})
    assert status == 200 and body["valid"] is False and body["code"] == "checksum"
    assert "check character" in body["reason"]


def test_bad_requests_are_refused(api, api_client):
    assert api.post("/identity/validate", {"kind": "passport", "value": "x"})[0] == 422
    assert api.post("/identity/validate", {"kind": "uscc", "value": "9" * 65})[0] == 422
    assert api.post("/identity/validate", {"kind": "uscc", "value": "x", "extra": 1})[0] == 422
    assert api.post("/identity/validate", raw=b'{"kind": "uscc", "value": "\xff\xfe"}')[0] == 400
    status, body = api_client("orders:read").post("/identity/validate", {"kind": "uscc", "value": "x"})
    assert status == 403 and body["code"] == "missing_scope"


def test_merchants_with_malformed_identities_are_refused_and_nothing_is_stored(api):
    body = {
        "external_id": "m-9",
        "legal_name": "杭州好物贸易有限公司",
        "uscc": VALID_USCC[0],
        "legal_rep_name": "王小明",
        "legal_rep_id_number": VALID_RESIDENT_IDS[0],
    }
    for field, value, code in (
        ("uscc", VALID_USCC[0][:-1] + "0", "invalid_uscc"),
        ("uscc", "91350100M000100Y4", "invalid_uscc"),
        ("legal_rep_id_number", "11010519491231002Y", "invalid_resident_id"),
        ("legal_rep_id_number", "110105194902300021", "invalid_resident_id"),
    ):
        status, answer = api.post("/merchants", {**body, field: value})
        assert (status, answer["code"]) == (422, code), value
        assert field in answer["message"]
    assert api.post("/merchants", raw=b'{"legal_name": "\xff"}')[0] == 400
    assert not Merchant.objects.exists()

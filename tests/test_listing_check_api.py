"""The listing check over the API: /listings/check, findings stored on every listing write, blocked
listings taken down, price alerts, and bad input refused with nothing stored."""

from __future__ import annotations

import time

from trustdesk.compliance.models import ListingCheck, PriceAlert
from trustdesk.listings.models import Listing


def body(**overrides):
    data = {
        "title": "全网销量第一 纯棉T恤",
        "description": "100%纯棉，第一次购买送袜子",
        "category": "apparel",
        "price": "59.00",
    }
    data.update(overrides)
    return data


def test_the_check_answers_a_verdict_with_character_spans(api, marketplace):
    status, result = api.post("/listings/check", body())
    assert status == 200
    assert result == {
        "verdict": "revise",
        "findings": [
            {
                "code": "absolute_term",
                "field": "title",
                "span": [4, 6],
                "message": result["findings"][0]["message"],
            }
        ],
    }
    assert "第一" in result["findings"][0]["message"]
    assert body()["title"][4:6] == "第一"

    status, result = api.post("/listings/check", body(title="Cures insomnia! Best tee", description=""))
    assert result["verdict"] == "block"
    assert [(f["code"], f["span"]) for f in result["findings"]] == [
        ("medical_claim", [0, 14]),
        ("absolute_term", [16, 20]),
    ]

    status, result = api.post(
        "/listings/check", body(title="纯棉T恤", description="", original_price="599.00")
    )
    assert result["verdict"] == "revise"
    assert result["findings"][0]["code"] == "inflated_original_price"
    assert not ListingCheck.objects.filter(listing__title="Cures insomnia! Best tee").exists()


def test_counterfeit_price_uses_the_category_reference_price(api, marketplace):
    category = {"code": "bags", "name_en": "Bags", "name_zh": "箱包", "reference_price": "6000"}
    assert api.post("/categories", category)[0] == 201
    _status, result = api.post(
        "/listings/check", body(title="LV 手提包", description="", category="bags", price="300")
    )
    assert result["verdict"] == "block"
    assert result["findings"][0] == {**result["findings"][0], "code": "counterfeit_signal", "span": [0, 2]}


def test_listing_writes_store_findings_and_a_blocking_verdict_takes_the_listing_down(api, marketplace):
    listing = {"external_id": "l-9", "shop": "s-1", **body()}
    status, created = api.post("/listings", listing)
    assert status == 201 and created["status"] == "active"
    status, stored = api.get("/listings/l-9/compliance")
    assert stored["verdict"] == "revise" and stored["trigger"] == "create"
    assert stored["findings"][0]["span"] == [4, 6]

    status, updated = api.patch("/listings/l-9", {"title": "纯棉T恤 可治疗失眠"})
    assert updated["status"] == "removed"
    assert api.get("/listings/l-9/compliance")[1]["verdict"] == "block"

    status, updated = api.patch("/listings/l-9", {"title": "纯棉T恤", "description": "舒适透气"})
    assert updated["status"] == "active"
    assert api.get("/listings/l-9/compliance")[1] == {
        **api.get("/listings/l-9/compliance")[1],
        "verdict": "pass",
        "findings": [],
    }
    assert ListingCheck.objects.filter(listing__external_id="l-9").count() == 3


def test_abnormal_price_changes_raise_alerts(api, marketplace):
    assert api.patch("/listings/l-1", {"price": "55.00"})[0] == 200
    assert not PriceAlert.objects.exists()
    assert api.patch("/listings/l-1", {"price": "5.00"})[0] == 200
    status, alerts = api.get("/price-alerts?listing=l-1")
    assert status == 200 and [a["kind"] for a in alerts] == ["history"]
    assert alerts[0]["new_price"] == "5.00" and alerts[0]["baseline"] in ("57.00", "57")


def test_bad_input_is_refused_and_nothing_is_stored(api, marketplace):
    before = Listing.objects.count()
    cases = [
        (body(description="好" * 20001), 422),
        (body(title=""), 422),
        (body(category="no-such"), 422),
        (body(price="-1"), 422),
        (body(colour="red"), 422),
    ]
    for data, status in cases:
        assert api.post("/listings/check", data)[0] == status, data
        assert api.post("/listings", {"external_id": "l-x", "shop": "s-1", **data})[0] == status
    assert api.post("/listings/check", body(category="no-such"))[1]["code"] == "unknown_category"
    assert api.post("/listings/check", raw=b'{"title": "\xc3\x28"}')[0] == 400
    assert api.post("/listings", raw=b'{"title": "\xc3\x28"}')[0] == 400
    assert Listing.objects.count() == before


def test_bad_updates_are_refused_and_nothing_is_stored(api, marketplace):
    checks, alerts = ListingCheck.objects.count(), PriceAlert.objects.count()
    before = api.get("/listings/l-1")[1]
    cases = [
        ({"description": "好" * 20001}, 422, "validation_failed"),
        ({"title": "x" * 301}, 422, "validation_failed"),
        ({"category": "no-such"}, 422, "unknown_category"),
        ({"price": "0"}, 422, "validation_failed"),
        ({"colour": "red"}, 422, "validation_failed"),
    ]
    for data, status, code in cases:
        got_status, got = api.patch("/listings/l-1", data)
        assert (got_status, got["code"]) == (status, code), data
        assert got["message"]
    status, _body = api._call("patch", "/listings/l-1", raw=b'{"title": "\xff\xfe"}')
    assert status == 400
    assert api.get("/listings/l-1")[1] == before
    assert (ListingCheck.objects.count(), PriceAlert.objects.count()) == (checks, alerts)


def test_the_longest_accepted_text_is_checked_quickly(api, marketplace):
    # 20,000 characters full of near-misses and claims: the expression never backtracks badly.
    description = ("第一次购买 100%纯棉 best before cures the flu 最佳 " * 800)[:20000]
    began = time.perf_counter()
    status, result = api.post("/listings/check", body(description=description))
    assert status == 200 and result["verdict"] == "block"
    assert time.perf_counter() - began < 2.0
    assert all(description[s:e] for f in result["findings"] for s, e in [f["span"]])

"""POST /api/v1/messages/check: off-platform payment and contact solicitation in zh and en."""

from __future__ import annotations

import pytest
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.risk.models import RiskEvent


@pytest.mark.parametrize(
    ("text", "verdict", "code", "flagged"),
    [
        ("加我微信 abc_123，便宜点", "warn", "wechat_contact", "微信"),
        ("加 微 信 聊", "warn", "wechat_contact", "加 微 信"),
        ("私下转账给你打个折", "block", "offplatform_payment", "私下转账"),
        ("我的QQ：１２３４５６７８９", "warn", "qq_contact", "QQ：１２３４５６７８９"),
        ("扣扣 一二三四五六七八", "warn", "qq_contact", "扣扣 一二三四五六七八"),
        ("call me on 138 0013 8000", "warn", "phone_number", "138 0013 8000"),
        ("Just pay me directly by bank transfer", "block", "offplatform_payment", "pay me directly"),
        (
            "pay here https://pay.example.net/qr?id=9",
            "block",
            "external_pay_link",
            "https://pay.example.net/qr?id=9",
        ),
        ("wxp://f2f0xyz", "block", "external_pay_link", "wxp://f2f0xyz"),
    ],
)
def test_solicitation_is_found_with_its_span(api_client, text, verdict, code, flagged):
    api = api_client("messages:check")
    status, body = api.post("/messages/check", {"text": text})
    assert status == 200, body
    assert body["verdict"] == verdict
    finding = next(f for f in body["findings"] if f["code"] == code)
    start, end = finding["span"]
    assert text[start:end].startswith(flagged)
    assert finding["message"]


@pytest.mark.parametrize(
    "text",
    [
        "请问这件衣服有货吗？",
        "Is this in stock? I'd add value to my order.",
        "new xbox, 第一次买",
        "订单号 2024 已收到",
    ],
)
def test_ordinary_messages_are_ok(api, text):
    assert api.post("/messages/check", {"text": text})[1] == {"verdict": "ok", "findings": []}


def test_bad_input_is_refused(api):
    assert api.post("/messages/check", {"text": ""})[0] == 422
    assert api.post("/messages/check", {"text": "hi", "lang": "en"})[0] == 422


def test_message_events_are_checked_and_rules_can_use_the_verdict(api, risk_rule):
    risk_rule("off-platform", "event.message_verdict == 'block'", "review")
    event = {
        "id": "m-1",
        "type": "message.sent",
        "user": "shop-staff",
        "text": "私下转账更便宜",
        "merchant": "m",
    }
    body = api.post("/events", event)[1]
    assert body["decision"] == "review" and body["rule_hits"] == ["off-platform@v1"]
    stored = RiskEvent.objects.get(event_id="m-1")
    assert stored.attrs["message"] == {"verdict": "block", "findings": ["offplatform_payment"]}
    assert "转账" not in str(stored.__dict__)

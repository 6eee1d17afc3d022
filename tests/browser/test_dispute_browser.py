"""A full dispute in a real browser: the shopper opens a request, the merchant refuses, the shopper
escalates, and an arbitrator (with two-factor) awards a partial refund."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from conftest import TEST_ACTOR
from django.utils import timezone
from playwright.sync_api import Page, expect

from trustdesk.accounts.shoppers import do_create_shopper
from trustdesk.aftersales.models import Case, Refund
from trustdesk.listings.models import Category, Listing
from trustdesk.merchants.models import Merchant, Shop
from trustdesk.orders import services as orders

pytestmark = [pytest.mark.browser]


def _delivered_item(make_user: Callable[..., Any]) -> int:
    merchant = Merchant.objects.create(external_id="m-b", legal_name="Browser Goods Ltd", deposit_amount=1000)
    shop = Shop.objects.create(merchant=merchant, external_id="s-b", name="Browser Shop")
    category = Category.objects.create(code="kitchen", name_en="Kitchen", name_zh="厨具", warranty_days=180)
    Listing.objects.create(
        shop=shop, external_id="l-b", title="Ceramic teapot", category=category, price=Decimal("120.00")
    )
    shopper = do_create_shopper(external_id="u-b", display_name="Wang Fang")
    shopper.user = make_user("wangfang", "shopper", totp=False)
    shopper.save()
    make_user("teapot-merchant", "merchant", merchant_id=merchant.pk, totp=False)
    make_user("judge", "arbitrator")
    now = timezone.now()
    order = orders.do_place_order(
        actor=TEST_ACTOR,
        external_id="o-b",
        shopper=shopper,
        shop=shop,
        items=[orders.ItemLine("l-b", 1)],
        placed_at=now - timedelta(days=4),
    )
    orders.do_record_payment(
        order,
        actor=TEST_ACTOR,
        external_id="p-b",
        amount=Decimal("120.00"),
        method="card",
        at=now - timedelta(days=4),
    )
    orders.do_ship(order, actor=TEST_ACTOR, carrier="SF", tracking_number="SF1", at=now - timedelta(days=3))
    orders.do_deliver(order, actor=TEST_ACTOR, at=now - timedelta(days=1))
    return order.items.get().pk


def _as(page: Page, log_in: Callable[..., str], username: str) -> None:
    page.context.clear_cookies()
    log_in(username)


def test_shopper_merchant_and_arbitrator_settle_a_dispute(page: Page, log_in, live_server, make_user):
    item_id = _delivered_item(make_user)

    _as(page, log_in, "wangfang")
    page.goto(f"{live_server.url}/aftersales/")
    page.get_by_test_id(f"open-{item_id}").click()
    page.get_by_test_id("kind").select_option("refund_only")
    page.get_by_test_id("reason").select_option("not_as_described")
    page.get_by_test_id("description").fill("The glaze is cracked and the lid does not fit.")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Waiting for the merchant")
    expect(page.get_by_test_id("countdown").first).to_contain_text("left")
    case_url = page.url
    case = Case.objects.get()

    _as(page, log_in, "teapot-merchant")
    page.goto(case_url)
    page.get_by_test_id("text-reject").fill("The crack is from use, not from us.")
    page.get_by_test_id("do-reject").click()
    expect(page.get_by_test_id("status")).to_have_text("Refused by the merchant")

    _as(page, log_in, "wangfang")
    page.goto(case_url)
    page.get_by_test_id("text-escalate").fill("It arrived cracked; the merchant will not help.")
    page.get_by_test_id("do-escalate").click()
    expect(page.get_by_test_id("status")).to_have_text("With the platform")

    _as(page, log_in, "judge")
    page.goto(case_url)
    page.get_by_test_id("outcome").select_option("partial_refund")
    page.get_by_test_id("amount").fill("200")
    page.get_by_test_id("text-decide").fill("Defect shown on arrival photos; lid fit is cosmetic.")
    page.get_by_test_id("do-decide").click()
    expect(page.get_by_test_id("error")).to_contain_text("below the full 120.00")
    page.get_by_test_id("outcome").select_option("partial_refund")
    page.get_by_test_id("amount").fill("60")
    page.get_by_test_id("text-decide").fill("Defect shown on arrival photos; lid fit is cosmetic.")
    page.get_by_test_id("do-decide").click()
    expect(page.get_by_test_id("status")).to_have_text("Decided")
    expect(page.get_by_test_id("resolution")).to_have_text("Partially refunded")
    expect(page.get_by_test_id("refunds")).to_contain_text("60.00 CNY")

    refund = Refund.objects.get(case=case)
    assert refund.amount == Decimal("60.00") and refund.status == "pending"
    trail = list(case.events.values_list("to_state", "actor_label"))
    assert trail == [
        ("awaiting_merchant", "wangfang"),
        ("rejected", "teapot-merchant"),
        ("escalated", "wangfang"),
        ("decided", "judge"),
    ]

"""The console in a real browser: first log-in with two-factor enrolment, live figures, Chinese,
revealing personal data through HTMX with its audit entry, and the lockout after repeated failures."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, VALID_RESIDENT_IDS, VALID_USCC, order_body
from django.conf import settings
from playwright.sync_api import expect

from trustdesk.accounts.models import User
from trustdesk.audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

REASON = "入驻资料复核，工单 88"


def test_an_admin_enrols_two_factor_reads_the_dashboard_in_chinese_and_reveals_an_id_number(
    page, live_server, log_in, make_user, api, marketplace, artifact
):
    second_merchant = {
        "external_id": "m-2",
        "legal_name": "北京数码优选科技有限公司",
        "uscc": VALID_USCC[1],
        "legal_rep_name": "李华",
        "legal_rep_id_number": VALID_RESIDENT_IDS[1],
        "contact_phone": "13700137000",
        "deposit_amount": "10000.00",
    }
    assert api.post("/merchants", second_merchant)[0] == 201
    for n in (1, 2, 3):
        assert api.post("/orders", order_body(f"o-{n}"))[0] == 201
    make_user("ada", "admin", totp=False)

    secret = log_in("ada")

    assert secret, "a new admin is sent to two-factor enrolment"
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.get_by_test_id("active-merchants")).to_have_text("2")
    expect(page.get_by_test_id("orders-30d")).to_have_text("3")
    assert User.objects.get(username="ada").has_totp

    with page.expect_navigation():
        page.get_by_test_id("lang-zh-hans").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("仪表盘")
    expect(page.locator(".card", has=page.get_by_test_id("orders-30d"))).to_contain_text("近 30 天订单数")
    expect(page.get_by_test_id("lang-en")).to_have_text("English")
    page.screenshot(path=artifact("dashboard-zh-hans.png"), full_page=True)

    main_nav = page.get_by_role("navigation", name="主导航")
    main_nav.get_by_role("link", name="商家", exact=True).click()
    expect(page.locator("h1")).to_have_text("商家")
    expect(page.locator("table")).to_contain_text("企业名称")
    page.get_by_role("link", name="杭州好物贸易有限公司").click()
    expect(page.locator("h1")).to_contain_text("杭州好物贸易有限公司")

    id_number = page.locator("#pii-merchant-legal_rep_id_number")
    expect(id_number).to_contain_text("1101**********002X")
    id_number.get_by_placeholder("查看原因").fill(REASON)
    id_number.get_by_role("button", name="查看").click()
    revealed = page.locator(".pii.revealed")
    expect(revealed).to_have_text(VALID_RESIDENT_IDS[0])
    expect(revealed).to_have_attribute("title", "已显示完整信息，并已记入审计日志")

    main_nav.get_by_role("link", name="审计日志", exact=True).click()
    expect(page.locator("h1")).to_have_text("审计日志")
    entry = page.locator("#audit-rows tbody tr", has_text="pii.revealed")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("ada")
    expect(entry).to_contain_text(REASON)
    assert VALID_RESIDENT_IDS[0] not in entry.inner_text()


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(page, live_server, make_user):
    make_user("bo", "agent")
    page.goto(f"{live_server.url}/accounts/login/")
    alert = page.get_by_role("alert")

    def attempt(password: str) -> None:
        page.locator("input[name=username]").fill("bo")
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("section.auth button[type=submit]").click()

    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        attempt("not my password")
        expect(alert).to_have_text("Wrong username or password.")
    attempt(PASSWORD)

    expect(alert).to_contain_text("Too many failed attempts. Sign-in is paused for 15 minutes")
    expect(page.locator("h1")).to_have_text("Log in to trustdesk")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")
    assert AuditEvent.objects.filter(action="login.locked", actor_label="bo").exists()
    assert not AuditEvent.objects.filter(action="login.succeeded", actor_label="bo").exists()

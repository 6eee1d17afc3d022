"""Governance in a real browser: a merchant applies with a licence, governance staff (with two-factor)
accept the document and approve, and a flagged listing shows its findings highlighted in place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from conftest import PASSWORD, VALID_RESIDENT_IDS, VALID_USCC, skip_or_fail
from playwright.sync_api import Page, expect, sync_playwright

from trustdesk.listings.services import do_create_category
from trustdesk.merchants.models import AdmissionApplication, Merchant

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def governance_page(request: pytest.FixtureRequest, live_server: Any) -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} is not installed")
    # One Playwright per thread: when the folder shares a browser, use it instead of a second.
    try:
        shared = request.getfixturevalue("browser")
    except pytest.FixtureLookupError:
        shared = None
    if shared is not None:
        yield from _page_of(shared)
        return
    # Playwright's loop runs in this thread while tests call the ORM; Django refuses that unless told
    # it is deliberate. Only while the browser is open, so no later test or subprocess inherits it.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as p:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield from _page_of(browser)
        browser.close()


def _page_of(browser: Any) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page: Page, base: str, user: Any, *, staff: bool) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    if staff:
        expect(page).to_have_url(f"{base}/accounts/2fa/verify/")
        page.fill("input[name=code]", pyotp.TOTP(user.totp_secret.reveal()).now())
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def test_an_application_goes_from_the_form_to_an_approved_merchant(
    governance_page, live_server, make_user, tmp_path
):
    page, base = governance_page, live_server.url
    do_create_category(code="food", name_en="Food", name_zh="食品", requires_qualification="food_licence")
    applicant = make_user("applicant", "merchant")
    reviewer = make_user("reviewer", "governance")
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(b"%PDF-1.4 food licence")

    sign_in(page, base, applicant, staff=False)
    page.goto(f"{base}/governance/apply/")
    page.get_by_label("Legal name").fill("上海优选食品有限公司")
    page.get_by_label("Unified social credit code").fill(VALID_USCC[1])
    page.get_by_label("Legal representative", exact=True).fill("张三")
    page.get_by_label("Legal representative's ID number").fill(VALID_RESIDENT_IDS[1])
    page.get_by_label("Shop name").fill("优选食品店")
    page.get_by_label("Categories (codes, comma-separated)").fill("food")
    page.get_by_label("Document kind").fill("food_licence")
    page.get_by_label("Document (PDF, PNG or JPEG)").set_input_files(str(licence))
    with page.expect_navigation():
        page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_test_id("application-state")).to_have_text("Under review")

    sign_in(page, base, reviewer, staff=True)
    page.get_by_role("link", name="Admissions").click()
    page.get_by_role("link", name="上海优选食品有限公司").click()
    expect(page.get_by_test_id("admission-state")).to_have_text("Under review")
    expect(page.locator("main")).to_contain_text("Still needed before approval: food_licence")
    with page.expect_navigation():
        page.get_by_test_id("accept-food_licence").click()
    expect(page.locator("main")).to_contain_text("Accepted")
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("admission-state")).to_have_text("Approved")

    app = AdmissionApplication.objects.get()
    assert app.state == "approved" and app.merchant is not None
    assert Merchant.objects.get(pk=app.merchant_id).legal_name == "上海优选食品有限公司"
    applicant.refresh_from_db()
    assert applicant.merchant_id == app.merchant_id


def test_a_flagged_listing_shows_its_findings_highlighted(
    governance_page, live_server, make_user, api, marketplace
):
    page, base = governance_page, live_server.url
    listing = {
        "external_id": "l-9",
        "shop": "s-1",
        "category": "apparel",
        "price": "59.00",
        "title": "全网销量第一 纯棉T恤",
        "description": "100%纯棉，可治疗失眠。",
    }
    assert api.post("/listings", listing)[0] == 201
    inspector = make_user("inspector1", "inspector")

    sign_in(page, base, inspector, staff=True)
    page.get_by_role("link", name="Listing compliance").click()
    page.get_by_role("link", name="全网销量第一 纯棉T恤").click()
    expect(page.get_by_test_id("verdict")).to_have_text("Block")
    title_marks = page.locator("dd[data-field=title] mark")
    expect(title_marks).to_have_count(1)
    expect(title_marks.first).to_have_text("第一")
    expect(title_marks.first).to_have_attribute("data-code", "absolute_term")
    description_marks = page.locator("dd[data-field=description] mark")
    expect(description_marks).to_have_text(["治疗"])
    expect(page.locator("dd[data-field=description]")).to_have_text("100%纯棉，可治疗失眠。")
    expect(page.get_by_test_id("finding")).to_have_count(2)

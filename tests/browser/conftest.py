"""Fixtures for tests that drive a real Chromium through Playwright against a live trustdesk.

- `browser`: one headless Chromium shared by all the tests in this folder.
- `page`: a fresh browser context and page per test, in English, 1280×800; when the test fails, a
  screenshot of the page is left in test-artifacts/.
- `log_in(username)`: signs in through the real log-in form, then passes the staff two-factor step
  (enrolment or verification) as a person with an authenticator app would.
- `artifact(name)`: the path of a file in test-artifacts/, for screenshots a test wants to keep.

Tests here use `live_server`: what they create is committed, and every table is emptied after each test.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from conftest import PASSWORD, enforce_append_only_audit_log, skip_or_fail
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

from trustdesk.accounts.models import User

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[Any]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def transactional_db(audit_log_append_only_again: None, transactional_db: None) -> Iterator[None]:
    """pytest-django's transactional_db, which empties every table after the test, with the audit
    log's triggers lifted for the emptying only (as `committing_db` in tests/conftest.py, under the
    name `live_server` asks for)."""
    yield
    enforce_append_only_audit_log(False)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        skip_or_fail("Chromium is not installed (Debian and Ubuntu package: chromium)")
    # Playwright's sync API keeps an event loop running in the test thread from launch to close,
    # and Django refuses database calls from a thread with a running loop unless told it is safe.
    # It is: the loop only talks to the browser. Loop and permission last while the browser tests
    # run (hence package scope, not session), so no later test, nor a process one starts such as
    # `check --deploy`, inherits either.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
            # While the loop runs, Django keeps this thread's connections apart from the ones it
            # had before; closed now, or they would outlive the loop and PostgreSQL would refuse
            # to drop the test database.
            connections.close_all()


@pytest.fixture
def artifact() -> Callable[[str], Path]:
    def path(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        return ARTIFACTS / name

    return path


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, artifact: Callable[[str], Path]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    reports = request.node.stash.get(_REPORTS, {})
    if any(report.failed for report in reports.values()):
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=artifact(f"{name}-failed.png"), full_page=True)
    context.close()


def _totp_code(secret: str, last_used_counter: int) -> str:
    """A code the server will take: the current one, or the next one if the current was used."""
    totp = pyotp.TOTP(secret)
    counter = int(time.time() // totp.interval)
    return totp.generate_otp(max(counter, last_used_counter + 1))


@pytest.fixture
def log_in(page: Page, live_server: Any) -> Callable[..., str]:
    """Sign in through the form and pass the two-factor step; returns the user's TOTP secret."""

    def sign_in(username: str, password: str = PASSWORD) -> str:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            page.locator("section.auth button[type=submit]").click()
        if "/accounts/2fa/enrol/" in page.url:
            secret = page.get_by_test_id("totp-secret").inner_text().strip()
            last_counter = 0
        elif "/accounts/2fa/verify/" in page.url:
            user = User.objects.get(username=username)
            secret, last_counter = user.totp_secret.reveal(), user.totp_last_counter
        else:
            return ""
        page.locator("input[name=code]").fill(_totp_code(secret, last_counter))
        with page.expect_navigation():
            page.locator("section.auth button[type=submit]").click()
        return secret

    return sign_in

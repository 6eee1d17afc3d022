"""Shared fixtures: named users per role, API clients with scoped tokens, and a small marketplace.

Tests talk to the real database (SQLite by default, PostgreSQL when DATABASE_URL says so) through
public interfaces: HTTP for the API and console, services for the domain.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from trustdesk.accounts import services as account_services
from trustdesk.accounts.roles import ALL_ROLES
from trustdesk.core.actors import Actor

TEST_ACTOR = Actor.system("tests")
PASSWORD = "correct horse battery staple 42"

# Identities with valid check characters, for building merchants in tests.
VALID_USCC = ["91350100M000100Y43", "91110108551385082Q", "911100007109288314"]
VALID_RESIDENT_IDS = ["11010519491231002X", "330106198506121237", "110101199003074477"]

ROOT = Path(__file__).resolve().parent.parent
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# The migration that installs the audit log's append-only triggers, reused so their SQL lives in one place.
_AUDIT_TRIGGERS = importlib.import_module("trustdesk.audit.migrations.0002_append_only_triggers")


def enforce_append_only_audit_log(enforced: bool) -> None:
    from django.db import connection

    with connection.schema_editor() as editor:
        _AUDIT_TRIGGERS.drop(None, editor)
        if enforced:
            _AUDIT_TRIGGERS.create(None, editor)


@pytest.fixture
def audit_log_append_only_again(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        enforce_append_only_audit_log(True)


@pytest.fixture
def committing_db(audit_log_append_only_again: None, transactional_db: None) -> Iterator[None]:
    """pytest-django's transactional_db: what the test writes is committed (other connections see
    it), and every table is emptied after the test. The audit log's triggers refuse to be emptied, as
    they should, so they are lifted after the test, for the emptying only, and put back before
    anything else runs."""
    yield
    enforce_append_only_audit_log(False)


def run_cli(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """The `trustdesk` command as a user runs it: its own process, from the project directory."""
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "trustdesk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def skip_or_fail(reason: str) -> None:
    """Locally a missing tool skips with a reason; on CI it is a failure, so nothing hides there."""
    if ON_CI:
        pytest.fail(f"required on CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    def make(username: str, *roles: str, merchant_id: int | None = None, totp: bool = True) -> Any:
        user = account_services.do_create_user(
            username, PASSWORD, roles=list(roles), actor=TEST_ACTOR, merchant_id=merchant_id
        )
        if totp:
            secret = pyotp.random_base32()
            user.totp_secret = secret
            user.totp_confirmed_at = timezone.now()
            user.save()
        return user

    return make


@pytest.fixture
def staff_client(make_user: Callable[..., Any]) -> Callable[..., Client]:
    """A console client logged in as a new user with the given roles, second factor passed."""

    def login(*roles: str, username: str | None = None) -> Client:
        user = make_user(username or "_".join(roles) or "norole", *roles)
        client = Client()
        client.force_login(user)
        session = client.session
        session["trustdesk_2fa_passed"] = True
        session.save()
        client.user = user  # type: ignore[attr-defined]
        return client

    return login


@dataclass
class ApiClient:
    """A JSON client that sends a bearer token; `.post(path, body)` returns (status, parsed body)."""

    client: Client
    bearer: str

    def _call(self, method: str, path: str, body: Any = None, raw: str | None = None) -> Any:
        data = raw if raw is not None else (json.dumps(body, default=str) if body is not None else None)
        kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {self.bearer}"}
        if data is not None:
            kwargs["content_type"] = "application/json"
            response = getattr(self.client, method)(f"/api/v1{path}", data, **kwargs)
        else:
            response = getattr(self.client, method)(f"/api/v1{path}", **kwargs)
        payload = json.loads(response.content) if response.content else None
        return response.status_code, payload

    def get(self, path: str) -> Any:
        return self._call("get", path)

    def post(self, path: str, body: Any = None, raw: str | None = None) -> Any:
        return self._call("post", path, body if body is not None else ({} if raw is None else None), raw)

    def patch(self, path: str, body: Any) -> Any:
        return self._call("patch", path, body)

    def delete(self, path: str) -> Any:
        return self._call("delete", path)


@pytest.fixture
def api_client(db: Any) -> Callable[[str], ApiClient]:
    counter = iter(range(1_000_000))

    def make(scopes: str = "all") -> ApiClient:
        _token, bearer = account_services.do_create_token(f"test-{next(counter)}", scopes, actor=TEST_ACTOR)
        return ApiClient(Client(), bearer)

    return make


@pytest.fixture
def api(api_client: Callable[[str], ApiClient]) -> ApiClient:
    return api_client("all")


@pytest.fixture
def marketplace(api: ApiClient) -> dict[str, Any]:
    """A merchant with a shop, two categories, two listings and a shopper, created through the API."""
    status, merchant = api.post(
        "/merchants",
        {
            "external_id": "m-1",
            "legal_name": "杭州好物贸易有限公司",
            "uscc": VALID_USCC[0],
            "legal_rep_name": "王小明",
            "legal_rep_id_number": VALID_RESIDENT_IDS[0],
            "contact_phone": "13800138000",
            "deposit_amount": "5000.00",
        },
    )
    assert status == 201, merchant
    assert api.post("/merchants/m-1/shops", {"external_id": "s-1", "name": "好物旗舰店"})[0] == 201
    for code, en, zh, days in (
        ("apparel", "Apparel", "服饰", 0),
        ("electronics", "Electronics", "数码", 365),
    ):
        body = {"code": code, "name_en": en, "name_zh": zh, "warranty_days": days}
        assert api.post("/categories", body)[0] == 201
    for ext, title, category, price in (
        ("l-1", "纯棉T恤", "apparel", "59.00"),
        ("l-2", "Bluetooth earbuds", "electronics", "199.00"),
    ):
        body = {
            "external_id": ext,
            "shop": "s-1",
            "title": title,
            "category": category,
            "price": price,
        }
        assert api.post("/listings", body)[0] == 201
    shopper = {"external_id": "u-1", "display_name": "Li Lei", "phone": "13912345678"}
    assert api.post("/shoppers", shopper)[0] == 201
    return {"merchant": merchant, "shop": "s-1", "listings": ["l-1", "l-2"], "shopper": "u-1"}


def order_body(external_id: str = "o-1", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": external_id,
        "shopper": "u-1",
        "shop": "s-1",
        "items": [{"listing": "l-1", "quantity": 2}, {"listing": "l-2", "quantity": 1}],
        "recipient_name": "李雷",
        "recipient_phone": "13912345678",
        "shipping_address": "浙江省杭州市西湖区文三路 100 号 5 幢 501",
        "placed_at": (timezone.now() - timedelta(days=3)).isoformat(),
    }
    body.update(overrides)
    return body


ORDER_TOTAL = Decimal("317.00")
__all__ = ["ALL_ROLES", "ORDER_TOTAL", "PASSWORD", "order_body", "skip_or_fail"]

"""Every console page and every API operation is guarded; roles see what their permissions allow."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from trustdesk.accounts.roles import ALL_ROLES, ROLE_PERMISSIONS
from trustdesk.accounts.scopes import SCOPES

# Pages anyone may open: log-in and the two-factor steps redirect or render for the anonymous; the
# load balancer's health check answers without a login (tests/test_health.py).
PUBLIC_PREFIXES = ("accounts/", "i18n/", "api/", "public/", "healthz")


def _console_paths() -> list[tuple[str, str]]:
    """(path, view name) for every console URL, with sample values in place of converters."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append((route, p.callback))

    walk(get_resolver().url_patterns)
    paths = []
    for route, callback in found:
        if route.startswith(PUBLIC_PREFIXES):
            continue
        path = "/" + re.sub(r"<int:\w+>", "1", re.sub(r"<str:\w+>", "x", route))
        paths.append((path, getattr(callback, "required_permission", "")))
    return paths


CONSOLE = _console_paths()


def test_console_paths_were_found():
    assert len(CONSOLE) >= 8


@pytest.mark.parametrize(("path", "permission"), CONSOLE)
def test_anonymous_visitors_are_sent_to_log_in(client, db, path, permission):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("path", "permission"), CONSOLE)
def test_every_console_view_declares_a_permission_or_is_home(path, permission):
    assert permission or path == "/", f"{path} has no @requires(permission)"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_roles_reach_exactly_the_pages_their_permissions_allow(staff_client, role):
    client = staff_client(role)
    for path, permission in CONSOLE:
        if not permission:
            continue
        response = client.get(path)
        if response.status_code == 405:  # a POST-only action
            response = client.post(path)
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code in (200, 302, 404, 422), (role, path, response.status_code)
        else:
            assert response.status_code == 403, (role, path, response.status_code)


def test_a_user_without_role_sees_no_console(staff_client):
    client = staff_client(username="nobody")
    assert client.get("/").status_code == 403
    assert client.get("/merchants/").status_code == 403


def _operations(client: Client) -> list[tuple[str, str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    ops = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            security = op.get("security")
            ops.append((method, path.removeprefix("/api/v1"), "secured" if security else "open"))
    return ops


def test_every_api_operation_needs_a_token(client, db):
    operations = _operations(client)
    assert len(operations) >= 15
    for method, path, _ in operations:
        concrete = re.sub(r"\{\w+\}", "x", path)
        response = getattr(client, method)(f"/api/v1{concrete}", content_type="application/json")
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "unauthenticated"


def test_every_api_operation_refuses_a_token_without_its_scope(api_client, client):
    scopes = sorted(SCOPES)
    for method, path, _ in _operations(client):
        concrete = re.sub(r"\{\w+\}", "x", path)
        refused = 0
        for scope in scopes:
            token = api_client(scope)
            status, body = token._call(method, concrete, {} if method != "get" else None)
            if status == 403:
                assert body["code"] == "missing_scope"
                refused += 1
        # Exactly one scope opens each operation; every other scope is refused.
        assert refused == len(scopes) - 1, (method, path, refused)

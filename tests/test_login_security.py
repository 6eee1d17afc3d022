"""Log-in: throttling and lockout, audit entries, and the staff second factor (TOTP)."""

from __future__ import annotations

import pyotp
from conftest import PASSWORD
from django.test import Client

from trustdesk.accounts.models import User
from trustdesk.audit.models import AuditEvent


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_good_password_logs_in_and_is_audited(make_user):
    make_user("alice", "shopper")
    client = Client()
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login.succeeded", actor_label="alice").exists()


def test_a_wrong_password_is_refused_and_audited_without_the_password(make_user):
    make_user("alice", "shopper")
    response = _login(Client(), "alice", "guess-one")
    assert response.status_code == 401
    assert "Wrong username or password" in response.content.decode()
    failure = AuditEvent.objects.get(action="login.failed")
    assert "guess-one" not in str(failure.details) + failure.reason


def test_five_failures_lock_the_account_even_for_the_right_password(make_user, settings):
    make_user("bob", "shopper")
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "bob", "nope")
    locked = _login(client, "bob", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login.locked").exists()


def test_many_failures_from_one_address_pause_that_address(make_user, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    make_user("carol", "shopper")
    client = Client()
    for i in range(6):
        _login(client, f"user{i}", "nope")
    assert _login(client, "carol", PASSWORD).status_code == 429


def test_staff_must_pass_the_second_factor_before_any_page(make_user):
    user = make_user("dora", "analyst")
    client = Client()
    assert _login(client, "dora", PASSWORD).status_code == 302
    blocked = client.get("/merchants/")
    assert blocked.status_code == 302 and blocked["Location"] == "/accounts/2fa/verify/"
    code = pyotp.TOTP(User.objects.get(pk=user.pk).totp_secret.reveal()).now()
    passed = client.post("/accounts/2fa/verify/", {"code": code})
    assert passed.status_code == 302
    assert client.get("/merchants/").status_code == 200


def test_a_code_cannot_be_used_twice(make_user):
    user = make_user("erin", "analyst")
    code = pyotp.TOTP(user.totp_secret.reveal()).now()
    first, second = Client(), Client()
    _login(first, "erin", PASSWORD)
    _login(second, "erin", PASSWORD)
    assert first.post("/accounts/2fa/verify/", {"code": code}).status_code == 302
    replay = second.post("/accounts/2fa/verify/", {"code": code})
    assert replay.status_code == 200
    assert "already used" in replay.content.decode()
    assert second.get("/merchants/").status_code == 302


def test_staff_without_a_second_factor_enrol_first(make_user):
    make_user("fay", "auditor", totp=False)
    client = Client()
    _login(client, "fay", PASSWORD)
    assert client.get("/audit/")["Location"] == "/accounts/2fa/enrol/"
    page = client.get("/accounts/2fa/enrol/").content.decode()
    assert "<svg" in page  # the QR code, drawn on the server
    secret = User.objects.get(username="fay").totp_secret.reveal()
    assert secret in page
    wrong = client.post("/accounts/2fa/enrol/", {"code": "000000"})
    assert "did not match" in wrong.content.decode()
    ok = client.post("/accounts/2fa/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302
    assert client.get("/audit/").status_code == 200
    assert AuditEvent.objects.filter(action="2fa.enrolled", actor_label="fay").exists()


def test_shoppers_need_no_second_factor(make_user):
    make_user("gus", "shopper", totp=False)
    client = Client()
    _login(client, "gus", PASSWORD)
    assert client.get("/me/orders/").status_code == 200


def test_log_in_redirects_only_to_this_site(make_user):
    make_user("hal", "shopper")
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "hal", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_security_headers_are_sent(client, db):
    response = client.get("/accounts/login/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_weak_passwords_are_refused(db):
    import pytest

    from trustdesk.accounts.services import do_create_user
    from trustdesk.core.actors import Actor
    from trustdesk.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        do_create_user("ivan", "password1", roles=["agent"], actor=Actor.system("tests"))
    assert exc.value.code == "weak_password"
    assert not User.objects.filter(username="ivan").exists()

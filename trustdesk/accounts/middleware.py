"""Staff must pass a second factor before the console opens to them (SPEC C9)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from trustdesk.accounts.roles import is_staff_member

SESSION_KEY = "trustdesk_2fa_passed"
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/", "/public/", "/healthz")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.STAFF_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not request.session.get(SESSION_KEY)
            and not request.path.startswith(OPEN_PREFIXES)
            and is_staff_member(user)
        ):
            target = "accounts:totp_verify" if user.has_totp else "accounts:totp_enrol"
            return redirect(target)
        return self.get_response(request)

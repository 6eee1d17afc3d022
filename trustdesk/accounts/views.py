"""Log-in with throttling and lockout, log-out, and the staff two-factor steps."""

from __future__ import annotations

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustdesk.accounts import services
from trustdesk.accounts.middleware import SESSION_KEY
from trustdesk.accounts.models import User
from trustdesk.accounts.roles import is_staff_member
from trustdesk.audit.services import client_ip


class LoginForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    blocked = False
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if services.login_block_reason(username, client_ip(request)):
            blocked = True
            error = _(
                "Too many failed attempts. Sign-in is paused for 15 minutes; "
                "ask an administrator if this was not you."
            )
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                services.note_login_failure(username, request)
                error = _("Wrong username or password.")
            else:
                login(request, user)
                services.note_login_success(user, request)
                response = redirect(_next_url(request))
                if user.preferred_language and check_for_language(user.preferred_language):
                    _set_language_cookie(response, user.preferred_language)
                return response
    status = 429 if blocked else (401 if error else 200)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": _next_url(request)},
        status=status,
    )


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    # Django takes the language from this cookie only (it stopped reading the session in 4.0),
    # so it is set the way the i18n set_language view sets it.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def totp_enrol(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.has_totp:
        return redirect("accounts:totp_verify")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if services.totp_confirm(user, form.cleaned_data["code"], request):
            request.session[SESSION_KEY] = True
            return redirect("console:home")
        error = _("That code did not match. Check the clock of your phone and try the next code.")
    if request.method == "GET" or not user.totp_secret:
        secret = services.totp_begin_enrolment(user)
    else:
        secret = user.totp_secret.reveal()
    uri = services.totp_uri(user, secret)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    context = {"form": form, "error": error, "secret": secret, "qr_svg": qr_svg, "uri": uri}
    return render(request, "accounts/totp_enrol.html", context)


@login_required
def totp_verify(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not is_staff_member(user) or request.session.get(SESSION_KEY):
        return redirect("console:home")
    if not user.has_totp:
        return redirect("accounts:totp_enrol")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if services.totp_check(user, form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[SESSION_KEY] = True
            return redirect("console:home")
        services.note_login_failure(user.username, request)
        error = _("That code did not match, or it was already used.")
    return render(request, "accounts/totp_verify.html", {"form": form, "error": error})

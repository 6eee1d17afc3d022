"""Actions on accounts: users and roles, API tokens, login throttling and two-factor codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from trustdesk.accounts.models import ApiToken, LoginFailure, User
from trustdesk.accounts.roles import ALL_ROLES
from trustdesk.accounts.scopes import parse_scopes
from trustdesk.audit import services as audit
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, Forbidden, NotFound, ValidationFailed

TOKEN_PREFIX = "td"  # noqa: S105 (a label, not a secret)


# --- users -------------------------------------------------------------------------------------


def do_create_user(
    username: str,
    password: str,
    *,
    roles: list[str],
    actor: Actor,
    email: str = "",
    merchant_id: int | None = None,
    validate_password: bool = True,
) -> User:
    unknown = [r for r in roles if r not in ALL_ROLES]
    if unknown:
        raise ValidationFailed(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(ALL_ROLES)}")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"a user named {username!r} already exists", code="duplicate")
    user = User(username=username, email=email, merchant_id=merchant_id)
    if validate_password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), code="weak_password") from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        user.groups.set(Group.objects.filter(name__in=roles))
        audit.record(actor, "user.created", target=user, details={"roles": sorted(roles)})
    return user


# --- API tokens --------------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_create_token(
    name: str, scopes_raw: str, *, actor: Actor, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """Returns the token row and the bearer string, which is shown once and never stored."""
    try:
        scopes = parse_scopes(scopes_raw)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code="unknown_scope") from None
    if not name.strip():
        raise ValidationFailed("a token needs a name")
    if ApiToken.objects.filter(name=name).exists():
        raise Conflict(f"a token named {name!r} already exists; revoke it or pick another name")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    bearer = f"{TOKEN_PREFIX}_{prefix}_{secret}"
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            prefix=prefix,
            secret_hash=_hash(bearer),
            scopes=scopes,
            created_by=actor.label,
            expires_at=expires_at,
        )
        audit.record(actor, "token.created", target=token, details={"scopes": scopes})
    return token, bearer


def do_revoke_token(name: str, *, actor: Actor) -> ApiToken:
    token = ApiToken.objects.filter(name=name).first()
    if token is None:
        raise NotFound(f"no token named {name!r}")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "token.revoked", target=token)
    _REMEMBERED.clear()
    return token


def authenticate_token(bearer: str) -> ApiToken | None:
    parts = bearer.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(bearer)):
        return None
    if not token.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: a write per API call would serialise SQLite for nothing.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# Each process remembers a token that passed the check for this long. Looking it up (a query, then a
# hash compare) was a quarter of a single risk event's cost over HTTP. Expiry is still enforced on
# every call; a revocation takes effect at once in the process that made it and within this bound in
# the others (the same bound as a rule or list change, risk.ruleset.RECHECK_SECONDS).
REMEMBER_TOKEN_SECONDS = 1.0
# sha256 of the bearer -> (when it was checked, the token). Only tokens that passed are kept, so the
# map holds at most one entry per live token whatever callers send.
_REMEMBERED: dict[bytes, tuple[float, ApiToken]] = {}


def remembered_token(bearer: str) -> ApiToken | None:
    """`authenticate_token`, answered from this process's memory when checked within the last second."""
    key = hashlib.sha256(bearer.encode()).digest()
    known = _REMEMBERED.get(key)
    if known is not None and time.monotonic() - known[0] < REMEMBER_TOKEN_SECONDS and known[1].is_active:
        return known[1]
    token = authenticate_token(bearer)
    if token is None:
        _REMEMBERED.pop(key, None)
    else:
        _REMEMBERED[key] = (time.monotonic(), token)
    return token


# --- login throttling --------------------------------------------------------------------------


def _window_start() -> Any:
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_block_reason(username: str, ip: str | None) -> str | None:
    since = _window_start()
    key = username.strip().lower()
    if LoginFailure.objects.filter(username_key=key, at__gte=since).count() >= settings.LOGIN_FAILURE_LIMIT:
        return "account"
    if ip and LoginFailure.objects.filter(ip=ip, at__gte=since).count() >= (settings.LOGIN_IP_FAILURE_LIMIT):
        return "address"
    return None


def note_login_failure(username: str, request: HttpRequest) -> None:
    ip = audit.client_ip(request)
    LoginFailure.objects.create(username_key=username.strip().lower(), ip=ip)
    audit.record(Actor("user", username[:150]), "login.failed", request=request, target_type="accounts.user")
    if login_block_reason(username, ip):
        audit.record(Actor("user", username[:150]), "login.locked", request=request)


def note_login_success(user: User, request: HttpRequest) -> None:
    LoginFailure.objects.filter(username_key=user.username.lower()).delete()
    audit.record(Actor.for_user(user), "login.succeeded", target=user, request=request)


def prune_login_failures() -> int:
    deleted, _ = LoginFailure.objects.filter(at__lt=_window_start()).delete()
    return deleted


# --- two-factor (TOTP, RFC 6238) -------------------------------------------------------------


def totp_begin_enrolment(user: User) -> str:
    """A fresh secret kept on the user, unconfirmed until a code from it is entered."""
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return secret


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="trustdesk")


def totp_check(user: User, code: str) -> bool:
    """Accepts the current code or its neighbours (clock drift); a code is never accepted twice."""
    if not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret.reveal())
    code = code.strip().replace(" ", "")
    now = timezone.now().timestamp()
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            counter = int(at // totp.interval)
            changed = User.objects.filter(pk=user.pk, totp_last_counter__lt=counter).update(
                totp_last_counter=counter
            )
            return changed == 1
    return False


def totp_confirm(user: User, code: str, request: HttpRequest) -> bool:
    if not totp_check(user, code):
        return False
    user.totp_confirmed_at = timezone.now()
    user.save(update_fields=["totp_confirmed_at"])
    audit.record(Actor.for_user(user), "2fa.enrolled", target=user, request=request)
    return True


def do_reset_totp(user: User, *, actor: Actor, reason: str) -> None:
    if not reason.strip():
        raise ValidationFailed("resetting two-factor needs a reason")
    User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None)
    audit.record(actor, "2fa.reset", target=user, reason=reason)


# --- personal data reveal ----------------------------------------------------------------------


def do_reveal_pii(
    user: User, obj: Any, field_name: str, reason: str, request: HttpRequest | None = None
) -> str:
    """The clear value of one encrypted field, for a user allowed to see it, written to the audit log."""
    if not user.has_perm("accounts.reveal_pii"):
        raise Forbidden("your role cannot reveal personal data")
    if len(reason.strip()) < 5:
        raise ValidationFailed("say why you need to see this value (at least 5 characters)")
    value = getattr(obj, field_name)
    audit.record(
        Actor.for_user(user),
        "pii.revealed",
        target=obj,
        reason=reason.strip(),
        request=request,
        details={"field": field_name},
    )
    return value.reveal() if hasattr(value, "reveal") else str(value)

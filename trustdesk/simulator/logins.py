"""Demo logins: one per role, one published password, staff with their second factor already enrolled.

Only for development databases: the password is printed on every run of the demo, and so are the
staff accounts' TOTP secrets, so that people can add them to an authenticator app.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from trustdesk.accounts.models import Shopper, User
from trustdesk.accounts.roles import ALL_ROLES, MERCHANT, SHOPPER, STAFF_ROLES
from trustdesk.accounts.services import do_create_user
from trustdesk.core.actors import Actor
from trustdesk.merchants.models import Merchant, MerchantStatus

DEMO = Actor.system("demo")
DEMO_PASSWORD = "demo-trustdesk-pass"  # noqa: S105 - published on purpose, development databases only


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    totp_secret: str
    acts_for: str  # the merchant or shopper the login sees, if any


def ensure_demo_logins() -> list[DemoLogin]:
    """Create what is missing and describe every demo login; running it again changes nothing."""
    logins = []
    with transaction.atomic():
        for role in ALL_ROLES:
            user = User.objects.filter(username=role).first() or _create(role)
            acts_for = ""
            if role == MERCHANT:
                acts_for = _link_merchant(user)
            elif role == SHOPPER:
                acts_for = _link_shopper(user)
            secret = user.totp_secret.reveal() if user.totp_secret else ""
            logins.append(DemoLogin(user.username, role, secret, acts_for))
    return logins


def _create(role: str) -> User:
    user = do_create_user(role, DEMO_PASSWORD, roles=[role], actor=DEMO)
    if role in STAFF_ROLES:
        user.totp_secret = pyotp.random_base32()
        user.totp_confirmed_at = timezone.now()
        user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return user


def _link_merchant(user: User) -> str:
    if user.merchant_id is None:
        # The busiest merchant in good standing makes the most instructive merchant view.
        merchant = (
            Merchant.objects.filter(status=MerchantStatus.ACTIVE)
            .annotate(n_orders=Count("shops__orders"))
            .order_by("-n_orders", "id")
            .first()
        )
        if merchant is None:
            return ""
        user.merchant = merchant
        user.save(update_fields=["merchant"])
    return user.merchant.legal_name if user.merchant else ""


def _link_shopper(user: User) -> str:
    shopper = Shopper.objects.filter(user=user).first()
    if shopper is None:
        shopper = (
            Shopper.objects.filter(user__isnull=True)
            .annotate(n_orders=Count("orders"))
            .order_by("-n_orders", "id")
            .first()
        )
        if shopper is None:
            return ""
        shopper.user = user
        shopper.save(update_fields=["user"])
    return shopper.display_name

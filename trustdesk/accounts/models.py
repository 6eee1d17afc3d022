"""People who use trustdesk (staff, merchants' staff, shoppers), API tokens and login throttling."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.fields import EncryptedField


class User(AbstractUser):
    """A person who logs into the console. Roles are the groups of trustdesk.accounts.roles."""

    preferred_language = models.CharField(max_length=10, blank=True)
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_users",
        help_text="For merchant owners and staff: the merchant whose data they may see.",
    )
    totp_secret = EncryptedField(pii_kind="secret")
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_counter = models.BigIntegerField(default=0)

    class Meta:
        permissions = [
            ("use_console", _("Can use the staff console")),
            ("reveal_pii", _("Can reveal masked personal data, with a reason")),
            ("manage_tokens", _("Can create and revoke API tokens")),
            ("view_own_orders", _("Shopper: can see their own orders")),
            ("view_own_shop", _("Merchant: can see their own shop")),
        ]

    @property
    def has_totp(self) -> bool:
        return self.totp_confirmed_at is not None


class Shopper(models.Model):
    """A marketplace customer mirrored from the marketplace, optionally linked to a console login."""

    external_id = models.CharField(max_length=64, unique=True)
    display_name = models.CharField(max_length=100)
    phone = EncryptedField(pii_kind="phone")
    email = EncryptedField(pii_kind="email")
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="shopper"
    )
    registered_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name


class ApiToken(models.Model):
    """A bearer token for the marketplace back-end. Only a SHA-256 of the secret is stored."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginFailure(models.Model):
    """One failed password attempt; counted over a sliding window to throttle and lock out."""

    username_key = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username_key} at {self.at:%Y-%m-%d %H:%M}"

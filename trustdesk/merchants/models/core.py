"""Merchants (the legal entity that sells) and their shops."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.fields import EncryptedField
from trustdesk.core.money import amount_field, currency_field
from trustdesk.core.statemachine import StateEvent


class MerchantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WARNED = "warned", _("Warned")
    RESTRICTED = "restricted", _("Restricted")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


# A merchant in these states may keep listings on sale; suspension and closure take them off.
SELLING_STATUSES = frozenset({MerchantStatus.ACTIVE, MerchantStatus.WARNED, MerchantStatus.RESTRICTED})


class Merchant(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    legal_name = models.CharField(max_length=200)
    uscc = models.CharField("unified social credit code", max_length=18)
    legal_rep_name = EncryptedField(pii_kind="name")
    legal_rep_id_number = EncryptedField(pii_kind="id_number")
    legal_rep_id_index = models.CharField(max_length=64, blank=True, db_index=True)
    contact_phone = EncryptedField(pii_kind="phone")
    contact_email = EncryptedField(pii_kind="email")
    status = models.CharField(max_length=16, choices=MerchantStatus.choices, default=MerchantStatus.ACTIVE)
    deposit_amount = amount_field(default=0)
    deposit_currency = currency_field()
    joined_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~Q(uscc=""), name="merchant_uscc_unique")
        ]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def can_sell(self) -> bool:
        return self.status in SELLING_STATUSES


class MerchantEvent(StateEvent):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="events")


class Shop(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="shops")
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

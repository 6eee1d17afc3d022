"""Orders mirrored from the marketplace: items, payments and shipments."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.fields import EncryptedField
from trustdesk.core.money import amount_field, currency_field
from trustdesk.core.statemachine import StateEvent


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    shopper = models.ForeignKey("accounts.Shopper", on_delete=models.PROTECT, related_name="orders")
    shop = models.ForeignKey("merchants.Shop", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    currency = currency_field()
    total_amount = amount_field()
    recipient_name = EncryptedField(pii_kind="name")
    recipient_phone = EncryptedField(pii_kind="phone")
    shipping_address = EncryptedField(pii_kind="address")
    address_index = models.CharField(max_length=64, blank=True, db_index=True)
    placed_at = models.DateTimeField(default=timezone.now, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["shop", "placed_at"])]

    def __str__(self) -> str:
        return self.external_id


class OrderEvent(StateEvent):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey("listings.Listing", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)
    category = models.ForeignKey("listings.Category", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = amount_field()
    amount = amount_field()
    # The shopper confirmed at purchase that this item cannot be returned without reason.
    non_returnable_confirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"


class PaymentStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    external_id = models.CharField(max_length=64, unique=True)
    amount = amount_field()
    currency = currency_field()
    method = models.CharField(max_length=32)
    payment_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=PaymentStatus.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.external_id} {self.status}"


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64)
    shipped_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipped_at", "id"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"

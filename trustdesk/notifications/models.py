"""Webhook endpoints, the transactional outbox of messages to them, and in-app notifications."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.fields import EncryptedField


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    secret = EncryptedField(pii_kind="secret")
    # Patterns such as "aftersales.*" or "*", matched against message event types.
    event_types = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Gave up")


class OutboxMessage(models.Model):
    """One event for one endpoint. Written in the transaction of the change it reports."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    idempotency_key = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["due_at"], name="outbox_pending_due", condition=Q(status="pending"))]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="outbox_idempotent_per_endpoint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class Notification(models.Model):
    """A message shown in the console to a user, or to the login of a shopper or merchant."""

    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    shopper = models.ForeignKey(
        "accounts.Shopper", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    merchant = models.ForeignKey(
        "merchants.Merchant", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("view_own_notifications", _("Can read notifications addressed to them"))]

    def __str__(self) -> str:
        return self.title

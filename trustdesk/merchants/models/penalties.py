"""Penalties on merchants, each with reason, evidence, one appeal, and a flag for publication."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.money import amount_field
from trustdesk.core.statemachine import StateEvent


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    LISTING_REMOVAL = "listing_removal", _("Listing removal")
    TRAFFIC_RESTRICTION = "traffic_restriction", _("Traffic restriction")
    DEPOSIT_DEDUCTION = "deposit_deduction", _("Deposit deduction")
    SUSPENSION = "suspension", _("Suspension")


class PenaltyState(models.TextChoices):
    DECIDED = "decided", _("Decided")
    APPEALED = "appealed", _("Under appeal")
    UPHELD = "upheld", _("Upheld on appeal")
    OVERTURNED = "overturned", _("Overturned on appeal")


class Penalty(models.Model):
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="penalties")
    kind = models.CharField(max_length=24, choices=PenaltyKind.choices)
    state = models.CharField(max_length=16, choices=PenaltyState.choices, default=PenaltyState.DECIDED)
    reason = models.TextField()
    # [{"label": ..., "ref": ...}]: inspection reports, listing findings, screenshots by reference.
    evidence = models.JSONField(default=list)
    listing = models.ForeignKey(
        "listings.Listing", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amount = amount_field(null=True, blank=True)
    # The merchant's status before this penalty, restored if the appeal overturns it.
    status_before = models.CharField(max_length=16, blank=True)
    source = models.CharField(max_length=32, blank=True)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField(default=timezone.now)
    appeal_text = models.TextField(blank=True)
    appeal_decision = models.TextField(blank=True)
    published = models.BooleanField(default=False)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.merchant}"


class PenaltyEvent(StateEvent):
    penalty = models.ForeignKey(Penalty, on_delete=models.CASCADE, related_name="events")

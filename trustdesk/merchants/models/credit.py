"""A merchant's credit score (0-1000), its tier and the breakdown that explains it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class CreditScore(models.Model):
    merchant = models.OneToOneField("merchants.Merchant", on_delete=models.CASCADE, related_name="credit")
    score = models.PositiveIntegerField()
    tier = models.CharField(max_length=1)
    # [{factor, label, points, max_points, detail}], one row per factor provider.
    breakdown = models.JSONField(default=list)
    # Consequences of the tier, stored so other parts read them without recomputing.
    listing_limit = models.PositiveIntegerField(null=True, blank=True)
    spot_check_weight = models.FloatField(default=1.0)
    payout_hold = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["merchant_id"]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.score} ({self.tier})"

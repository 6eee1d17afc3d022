"""What the listing check found, price alerts, and spot-check plans with their inspection tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.money import amount_field
from trustdesk.core.statemachine import StateEvent


class Verdict(models.TextChoices):
    PASS = "pass", _("Pass")
    REVISE = "revise", _("Revise")
    BLOCK = "block", _("Block")


class ListingCheck(models.Model):
    """One run of the listing check on a stored listing; the newest one is the listing's standing."""

    listing = models.ForeignKey(
        "listings.Listing", on_delete=models.CASCADE, related_name="compliance_checks"
    )
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    trigger = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.verdict}"


class ListingFinding(models.Model):
    check_run = models.ForeignKey(ListingCheck, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=32, db_index=True)
    field = models.CharField(max_length=32)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    excerpt = models.CharField(max_length=200)
    message = models.TextField()
    # The message before translation and its values: the console shows it in the reader's language.
    msgid = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["field", "start", "id"]

    def __str__(self) -> str:
        return f"{self.code} {self.field}[{self.start}:{self.end}]"

    @property
    def shown_message(self) -> str:
        from trustdesk.compliance.checker import translated

        return translated(self.msgid, self.params, self.message)

    @property
    def code_label(self) -> str:
        from trustdesk.compliance.checker import CODE_LABELS

        return str(CODE_LABELS.get(self.code, self.code))


class PriceAlertKind(models.TextChoices):
    HISTORY = "history", _("Far from the listing's own recent prices")
    CATEGORY = "category", _("Far from the category's usual price")


class PriceAlert(models.Model):
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="price_alerts")
    kind = models.CharField(max_length=16, choices=PriceAlertKind.choices)
    old_price = amount_field(null=True, blank=True)
    new_price = amount_field()
    baseline = amount_field()
    ratio = models.DecimalField(max_digits=10, decimal_places=3)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.kind} {self.new_price}"


class SamplingPlan(models.Model):
    """A period's spot-check draw. Seed, weights and population are kept so anyone can re-draw it."""

    period = models.CharField(max_length=16, unique=True)
    seed = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    # [[listing_id, weight], ...] in the order they were drawn from: the exact input of the draw.
    population = models.JSONField(default=list)
    drawn = models.JSONField(default=list)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("plan_spot_checks", _("Can draw spot-check sampling plans")),
            ("inspect_listings", _("Can carry out spot-check inspections")),
            ("review_listing_compliance", _("Can review listing compliance findings")),
        ]

    def __str__(self) -> str:
        return self.period


class InspectionState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class InspectionTask(models.Model):
    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="tasks")
    listing = models.ForeignKey("listings.Listing", on_delete=models.CASCADE, related_name="inspections")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, related_name="inspections")
    state = models.CharField(max_length=16, choices=InspectionState.choices, default=InspectionState.OPEN)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    weight = models.FloatField()
    findings = models.TextField(blank=True)
    evidence = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"inspection {self.pk} ({self.state})"


class InspectionEvent(StateEvent):
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="events")

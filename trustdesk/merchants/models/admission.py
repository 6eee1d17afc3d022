"""Merchant admission: the application, its documents, and the identities that may never be admitted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.fields import EncryptedField
from trustdesk.core.money import amount_field, currency_field
from trustdesk.core.statemachine import StateEvent


class AdmissionState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    NEEDS_MORE_INFO = "needs_more_info", _("Needs more information")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AdmissionApplication(models.Model):
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="admission_applications",
    )
    submitted_by = models.CharField(max_length=150)
    external_id = models.CharField(max_length=64, blank=True)
    legal_name = models.CharField(max_length=200)
    uscc = models.CharField(max_length=18, db_index=True)
    legal_rep_name = EncryptedField(pii_kind="name")
    legal_rep_id_number = EncryptedField(pii_kind="id_number")
    legal_rep_id_index = models.CharField(max_length=64, db_index=True)
    contact_phone = EncryptedField(pii_kind="phone")
    contact_email = EncryptedField(pii_kind="email")
    shop_name = models.CharField(max_length=200, blank=True)
    categories = models.JSONField(default=list)
    deposit_amount = amount_field(default=0)
    deposit_currency = currency_field()
    state = models.CharField(max_length=16, choices=AdmissionState.choices, default=AdmissionState.SUBMITTED)
    # [{code, outcome: pass|warn|fail, message}] from the automatic checks, newest run only.
    checks = models.JSONField(default=list)
    decision_reason = models.TextField(blank=True)
    merchant = models.OneToOneField(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="admission",
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        permissions = [
            ("review_admission", _("Can review and decide merchant admissions")),
            ("apply_admission", _("Can apply to become a merchant")),
            ("manage_penalties", _("Can decide penalties and appeals")),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.get_state_display()})"

    @property
    def required_qualifications(self) -> list[str]:
        from trustdesk.listings.models import Category

        return sorted(
            set(
                Category.objects.filter(code__in=self.categories)
                .exclude(requires_qualification="")
                .values_list("requires_qualification", flat=True)
            )
        )


class AdmissionEvent(StateEvent):
    application = models.ForeignKey(AdmissionApplication, on_delete=models.CASCADE, related_name="events")


class DocumentReview(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class AdmissionDocument(models.Model):
    application = models.ForeignKey(AdmissionApplication, on_delete=models.CASCADE, related_name="documents")
    # "business_licence", "legal_rep_id", or the qualification a category requires ("food_licence").
    kind = models.CharField(max_length=64)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    review = models.CharField(max_length=16, choices=DocumentReview.choices, default=DocumentReview.PENDING)
    review_note = models.TextField(blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"


class BlockedIdentity(models.Model):
    """An identity barred from admission (fraud, court orders). Stored as a blind index, never clear."""

    kind = models.CharField(max_length=16, choices=[("uscc", "USCC"), ("resident_id", "Resident ID")])
    value_index = models.CharField(max_length=64)
    reason = models.TextField()
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value_index"], name="blocked_identity_unique")
        ]

    def __str__(self) -> str:
        return f"blocked {self.kind}"

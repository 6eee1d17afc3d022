"""Categories, listings (products on sale in a shop) and each listing's price history."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustdesk.core.money import amount_field, currency_field


class Category(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    name_en = models.CharField(max_length=100)
    name_zh = models.CharField(max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT)
    # After-sales rules hang off the category: see SPEC C5 (seven-day returns and their exemptions).
    no_reason_return = models.BooleanField(default=True)
    warranty_days = models.PositiveIntegerField(default=0)
    is_medical = models.BooleanField(default=False)
    requires_qualification = models.CharField(max_length=64, blank=True)
    # What an ordinary item of the category costs, until it has enough listings to measure it.
    reference_price = amount_field(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.code


class ListingStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DELISTED = "delisted", _("Delisted")
    REMOVED = "removed", _("Removed by the platform")


class Listing(models.Model):
    shop = models.ForeignKey("merchants.Shop", on_delete=models.CASCADE, related_name="listings")
    external_id = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="listings")
    brand = models.CharField(max_length=100, blank=True)
    price = amount_field()
    original_price = amount_field(null=True, blank=True)
    currency = currency_field()
    status = models.CharField(max_length=16, choices=ListingStatus.choices, default=ListingStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class PriceChange(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="price_changes")
    old_price = amount_field(null=True, blank=True)
    new_price = amount_field()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.old_price} → {self.new_price}"

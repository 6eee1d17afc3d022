"""Console forms for admission applications and penalties."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustdesk.merchants.models import Merchant, PenaltyKind


class ApplicationForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)
    legal_rep_name = forms.CharField(label=_("Legal representative"), max_length=100)
    legal_rep_id_number = forms.CharField(label=_("Legal representative's ID number"), max_length=40)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    shop_name = forms.CharField(label=_("Shop name"), max_length=200, required=False)
    categories = forms.CharField(
        label=_("Categories (codes, comma-separated)"), max_length=500, required=False
    )
    document_kind = forms.CharField(
        label=_("Document kind"), max_length=64, required=False, initial="business_licence"
    )
    document = forms.FileField(label=_("Document (PDF, PNG or JPEG)"), required=False)

    def category_codes(self) -> list[str]:
        raw = self.cleaned_data.get("categories", "")
        return [c.strip() for c in raw.split(",") if c.strip()]


class PenaltyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Penalty"), choices=PenaltyKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(
        label=_("Evidence, one reference per line"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    listing = forms.CharField(label=_("Listing (for a listing removal)"), max_length=64, required=False)
    amount = forms.DecimalField(
        label=_("Amount (for a deposit deduction)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )

    def __init__(self, merchant: Merchant, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.merchant = merchant

    def clean_listing(self) -> Any:
        from trustdesk.listings.models import Listing

        external_id = self.cleaned_data.get("listing", "").strip()
        if not external_id:
            return None
        listing = Listing.objects.filter(external_id=external_id, shop__merchant=self.merchant).first()
        if listing is None:
            raise forms.ValidationError(_("This merchant has no listing with that id."))
        return listing

    def penalty_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        refs = [line.strip() for line in data["evidence"].splitlines() if line.strip()]
        return {
            "kind": data["kind"],
            "reason": data["reason"],
            "evidence": [{"label": "reference", "ref": ref[:500]} for ref in refs[:20]],
            "listing": data["listing"],
            "amount": data["amount"],
        }

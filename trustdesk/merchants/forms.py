"""Console forms for admission applications and decisions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


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

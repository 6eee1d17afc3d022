"""Console form for trying the listing check on any listing text."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustdesk.listings.models import Category


class CheckForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), to_field_name="code", empty_label=None
    )
    price = forms.DecimalField(label=_("Price"), min_value=0.01, max_digits=14, decimal_places=2)
    brand = forms.CharField(label=_("Brand"), max_length=100, required=False)
    original_price = forms.DecimalField(
        label=_("Original price"), required=False, min_value=0.01, max_digits=14, decimal_places=2
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["description"] = data.get("description") or ""
        data["brand"] = data.get("brand") or ""
        return data

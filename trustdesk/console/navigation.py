"""Role-aware navigation: each entry shows only for users holding its permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trustdesk.accounts.roles import roles_of


@dataclass(frozen=True)
class NavItem:
    label: Promise
    url_name: str
    permission: str


NAV_ITEMS = [
    NavItem(_("Dashboard"), "console:home", "accounts.use_console"),
    NavItem(_("Merchants"), "console:merchants", "merchants.view_merchant"),
    NavItem(_("Orders"), "console:orders", "orders.view_order"),
    NavItem(_("Risk"), "risk:queue", "risk.view_risk"),
    NavItem(_("Admissions"), "merchants:admissions", "merchants.review_admission"),
    NavItem(_("Penalties"), "merchants:penalties", "merchants.manage_penalties"),
    NavItem(_("Listing compliance"), "compliance:listings", "compliance.review_listing_compliance"),
    NavItem(_("Price alerts"), "compliance:price_alerts", "compliance.review_listing_compliance"),
    NavItem(_("Spot checks"), "compliance:spot_checks", "compliance.review_listing_compliance"),
    NavItem(_("Apply to sell"), "merchants:apply", "merchants.apply_admission"),
    NavItem(_("My penalties"), "merchants:my_penalties", "accounts.view_own_shop"),
    NavItem(_("Audit log"), "console:audit", "audit.view_audit_log"),
    NavItem(_("API tokens"), "console:tokens", "accounts.manage_tokens"),
    NavItem(_("My orders"), "console:my_orders", "accounts.view_own_orders"),
    NavItem(_("My shop"), "console:my_shop", "accounts.view_own_shop"),
    NavItem(_("After-sales"), "aftersales:cases", "aftersales.view_case"),
    NavItem(_("Service quality"), "quality:dashboard", "aftersales.view_quality"),
    NavItem(_("Deadline policies"), "aftersales:policies", "aftersales.edit_policy"),
    NavItem(_("Notifications"), "notifications:inbox", "notifications.view_own_notifications"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    items = [
        {
            "label": item.label,
            "url": reverse(item.url_name),
            "active": request.path == reverse(item.url_name),
        }
        for item in NAV_ITEMS
        if user.has_perm(item.permission)
    ]
    return {"nav_items": items, "user_roles": sorted(roles_of(user))}

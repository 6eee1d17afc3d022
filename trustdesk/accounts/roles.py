"""The roles of SPEC.md as Django groups, each with the permissions it grants.

Groups are brought in line with ROLE_PERMISSIONS after every migrate, so the code is the one place
where a role's powers are defined and reviewed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

SHOPPER = "shopper"
MERCHANT = "merchant"
AGENT = "agent"
ANALYST = "analyst"
ARBITRATOR = "arbitrator"
INSPECTOR = "inspector"
GOVERNANCE = "governance"
AUDITOR = "auditor"
ADMIN = "admin"

STAFF_ROLES = (AGENT, ANALYST, ARBITRATOR, INSPECTOR, GOVERNANCE, AUDITOR, ADMIN)
ALL_ROLES = (SHOPPER, MERCHANT, *STAFF_ROLES)

_STAFF_READ = [
    "accounts.use_console",
    "merchants.view_merchant",
    "listings.view_listing",
    "orders.view_order",
    "accounts.view_shopper",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SHOPPER: ["accounts.view_own_orders"],
    MERCHANT: ["accounts.view_own_shop", "merchants.apply_admission"],
    AGENT: _STAFF_READ,
    ANALYST: _STAFF_READ,
    ARBITRATOR: _STAFF_READ,
    INSPECTOR: [*_STAFF_READ, "compliance.inspect_listings", "compliance.review_listing_compliance"],
    GOVERNANCE: [
        *_STAFF_READ,
        "accounts.reveal_pii",
        "merchants.review_admission",
        "merchants.manage_penalties",
        "compliance.review_listing_compliance",
        "compliance.plan_spot_checks",
    ],
    AUDITOR: [*_STAFF_READ, "audit.view_audit_log"],
    ADMIN: [*_STAFF_READ, "audit.view_audit_log", "accounts.reveal_pii", "accounts.manage_tokens"],
}

# After-sales (C5) and service quality (C6). Shoppers and merchants see only their own cases.
_AFTERSALES = {
    SHOPPER: ["aftersales.view_case", "aftersales.open_request"],
    MERCHANT: ["aftersales.view_case", "aftersales.act_as_merchant"],
    AGENT: ["aftersales.view_case", "aftersales.work_desk", "aftersales.view_quality"],
    ANALYST: ["aftersales.view_case"],
    ARBITRATOR: ["aftersales.view_case", "aftersales.arbitrate"],
    INSPECTOR: ["aftersales.view_case", "aftersales.view_quality"],
    GOVERNANCE: ["aftersales.view_quality"],
    AUDITOR: ["aftersales.view_case", "aftersales.view_quality"],
    ADMIN: [
        "aftersales.view_case",
        "aftersales.work_desk",
        "aftersales.view_quality",
        "aftersales.edit_policy",
    ],
}
for _role, _granted in _AFTERSALES.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_granted]

# Real-time risk (C3) and shopper credit (C11): analysts run rules, lists and the review queue.
_RISK = {
    ANALYST: ["risk.view_risk", "risk.manage_rules", "risk.manage_lists", "risk.decide_cases"],
    AUDITOR: ["risk.view_risk"],
    ADMIN: ["risk.view_risk"],
}
for _role, _granted in _RISK.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_granted]

# Everyone who logs in reads the notifications addressed to them.
for _role in ALL_ROLES:
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], "notifications.view_own_notifications"]


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_roles(**_: Any) -> None:
    """Create the role groups and set their permissions exactly to ROLE_PERMISSIONS."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    for role, dotted_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(d) for d in dotted_names])


def roles_of(user: Any) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_trustdesk_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._trustdesk_roles = cached
    return cached


def is_staff_member(user: Any) -> bool:
    return bool(roles_of(user) & set(STAFF_ROLES)) or bool(user.is_superuser)

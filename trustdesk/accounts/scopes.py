"""API token scopes. A token may call an endpoint only if it holds the endpoint's scope."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "webhooks:manage": "Add, list and disable webhook endpoints; read their deliveries",
    "merchants:read": "Read merchants and shops",
    "merchants:write": "Create and update merchants and shops",
    "listings:read": "Read categories and listings",
    "listings:write": "Create and update categories and listings",
    "orders:read": "Read shoppers, orders, payments and shipments",
    "orders:write": "Create and update shoppers, orders, payments and shipments",
    "identity:validate": "Validate USCCs and resident ID numbers",
    "governance:read": "Read admissions, penalties, price alerts and spot checks",
    "governance:write": "Decide admissions and penalties, draw spot-check plans, record inspections",
    "aftersales:read": "Read after-sales cases, their deadlines, messages and refunds",
    "aftersales:write": "Open after-sales requests and act on them for shoppers and merchants",
    "aftersales:arbitrate": "Request evidence and decide escalated after-sales cases",
    "aftersales:policies": "Create and change after-sales deadline policies and what each governs",
    "quality:read": "Read service quality metrics",
    "risk:events": "Send events for real-time risk decisions",
    "risk:read": "Read risk decisions and shopper credit",
    "risk:manage": "Manage risk rules and block/allow lists",
    "messages:check": "Check message text for off-platform payment or contact solicitation",
}


def parse_scopes(raw: str) -> list[str]:
    """Turn "a,b" or "all" into a sorted list of known scopes; unknown names are an error."""
    names = [s.strip() for s in raw.split(",") if s.strip()]
    if names == ["all"]:
        return sorted(SCOPES)
    unknown = [n for n in names if n not in SCOPES]
    if unknown:
        raise ValueError(
            f"unknown scope(s): {', '.join(unknown)}; known scopes: all, {', '.join(sorted(SCOPES))}"
        )
    if not names:
        raise ValueError("at least one scope is needed (or 'all')")
    return sorted(set(names))

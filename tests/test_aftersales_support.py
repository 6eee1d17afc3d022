"""Shared set-up for the after-sales tests: delivered orders and requests opened through the API.

Kept in a test module of its own so the after-sales test files share it without touching the root
conftest that every team edits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import ORDER_TOTAL, ApiClient, order_body
from django.utils import timezone

from trustdesk.aftersales.models import Case, Deadline, DeadlineState

__all__ = ["ORDER_TOTAL", "delivered_order", "merchant", "open_case", "run_due", "shopper"]

shopper = {"party": "shopper", "party_id": "u-1"}
merchant = {"party": "merchant", "party_id": "m-1"}


def delivered_order(
    api: ApiClient, external_id: str = "o-1", *, delivered_at: datetime | None = None, **overrides: Any
) -> dict[str, Any]:
    """Place, pay, ship and deliver an order; returns the order as the API shows it."""
    delivered_at = delivered_at or timezone.now() - timedelta(days=1)
    placed = delivered_at - timedelta(days=3)
    body = order_body(external_id, placed_at=placed.isoformat(), **overrides)
    status, order = api.post("/orders", body)
    assert status == 201, order
    total = order["total_amount"]
    status, order = api.post(
        f"/orders/{external_id}/payments",
        {"external_id": f"pay-{external_id}", "amount": total, "method": "card", "at": placed.isoformat()},
    )
    assert status == 200, order
    ship_at = (placed + timedelta(days=1)).isoformat()
    body = {"carrier": "SF", "tracking_number": f"SF{external_id}", "at": ship_at}
    assert api.post(f"/orders/{external_id}/shipments", body)[0] == 200
    status, order = api.post(f"/orders/{external_id}/delivery", {"at": delivered_at.isoformat()})
    assert status == 200, order
    return order


def open_case(api: ApiClient, order: dict[str, Any], index: int = 0, **body: Any) -> dict[str, Any]:
    payload = {
        "order": order["external_id"],
        "item": order["items"][index]["id"],
        "shopper": "u-1",
        "kind": "return_refund",
        "reason": "no_reason",
        "description": "changed my mind",
        "quantity": order["items"][index]["quantity"],
        **body,
    }
    status, case = api.post("/aftersales/cases", payload)
    assert status == 201, case
    return case


def run_due(now: datetime, batch: int = 500) -> int:
    from trustdesk.aftersales.sweeper import DeadlineSweeper

    return DeadlineSweeper().run_once(now, batch)


def open_deadlines(case_id: int) -> list[Deadline]:
    return list(Deadline.objects.filter(case_id=case_id, state=DeadlineState.OPEN))


def case_status(case_id: int) -> str:
    return Case.objects.get(pk=case_id).status


@pytest.fixture
def shop(api: ApiClient, marketplace: dict[str, Any]) -> ApiClient:
    """The marketplace of the root conftest, ready for after-sales: an API client acting for it."""
    return api

"""Fixtures for the risk tests: a clean feature backend per test, a quick way to add rules, and an order
event as the marketplace sends it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from trustdesk.core.actors import Actor

ANALYST = Actor.system("tests")
__all__ = ["ANALYST", "clean_risk_state", "order", "risk_rule"]


@pytest.fixture(autouse=True)
def clean_risk_state(db: Any) -> Iterator[None]:
    """Redis is not rolled back with the test's transaction: empty this worker's risk keys."""
    from trustdesk.risk import ruleset
    from trustdesk.risk.features import backend

    backend().clear()
    ruleset.invalidate()
    yield
    backend().clear()
    ruleset.invalidate()


@pytest.fixture
def risk_rule(db: Any) -> Callable[..., Any]:
    from trustdesk.risk import ruleset

    def make(
        name: str, condition: str, action: str = "review", mode: str = "active", reason: str = ""
    ) -> Any:
        version = ruleset.do_save_version(
            actor=ANALYST, name=name, condition=condition, action=action, reason=reason or f"rule {name}"
        )
        if mode != "draft":
            ruleset.do_set_mode(version, mode, actor=ANALYST)
        return version

    return make


def order(event_id: str, user: str = "u-1", amount: str = "100.00", **extra: Any) -> dict[str, Any]:
    """An order.created event's JSON, on one device, address and merchant unless told otherwise."""
    return {
        "id": event_id,
        "type": "order.created",
        "user": user,
        "order": f"o-{event_id}",
        "merchant": "m-1",
        "amount": amount,
        "device": "dev-1",
        "ip": "10.0.0.1",
        **extra,
    }

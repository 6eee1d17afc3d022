"""Fixtures for the risk tests: a clean feature backend per test and a quick way to add rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from trustdesk.core.actors import Actor

ANALYST = Actor.system("tests")
__all__ = ["ANALYST", "clean_risk_state", "risk_rule"]


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

"""The worker loop: every registered sweeper, again and again, until told to stop.

Steps of one pass:
1. For each registered sweeper, call `run_once(now, batch_size)`; it claims due rows in its own short
   transactions (see core.claims), acts, commits, and returns how many items it handled.
2. An exception in one sweeper is logged (without personal data) and the others still run.
3. When no sweeper had work, sleep `idle_sleep` seconds before the next pass.

A worker keeps no state of its own: every deadline and message lives in the database, so killing it at
any moment loses nothing — the rows it had claimed are claimed again by the next pass of any worker.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.db import close_old_connections
from django.utils import timezone

log = logging.getLogger("trustdesk.worker")


class Sweeper(Protocol):
    name: str

    def run_once(self, now: datetime, batch_size: int) -> int: ...


_REGISTRY: dict[str, Sweeper] = {}


def register(sweeper: Sweeper) -> Sweeper:
    _REGISTRY[sweeper.name] = sweeper
    return sweeper


def registered(only: Iterable[str] = ()) -> list[Sweeper]:
    names = list(only)
    unknown = [n for n in names if n not in _REGISTRY]
    if unknown:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"unknown sweeper(s) {', '.join(unknown)}; registered: {known}")
    return [_REGISTRY[n] for n in names] if names else list(_REGISTRY.values())


@dataclass
class PassResult:
    handled: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.handled.values())


def run_pass(sweepers: list[Sweeper], batch_size: int, now: datetime | None = None) -> PassResult:
    result = PassResult()
    for sweeper in sweepers:
        try:
            result.handled[sweeper.name] = sweeper.run_once(now or timezone.now(), batch_size)
        except Exception:
            log.exception("sweeper %s failed; the next pass retries its rows", sweeper.name)
            result.failed.append(sweeper.name)
    return result


class StopFlag:
    """Set by SIGTERM/SIGINT so the loop ends between passes, never inside one."""

    def __init__(self) -> None:
        self.stop = False
        signal.signal(signal.SIGTERM, self._set)
        signal.signal(signal.SIGINT, self._set)

    def _set(self, *_: object) -> None:
        self.stop = True


def run_forever(
    sweepers: list[Sweeper], *, batch_size: int, idle_sleep: float, max_passes: int | None = None
) -> int:
    flag = StopFlag()
    passes = 0
    while not flag.stop and (max_passes is None or passes < max_passes):
        # A long-lived process must drop connections the server closed (restarts, idle timeouts).
        close_old_connections()
        result = run_pass(sweepers, batch_size)
        passes += 1
        if result.total == 0:
            deadline = time.monotonic() + idle_sleep
            while not flag.stop and time.monotonic() < deadline:
                time.sleep(min(0.2, idle_sleep))
    return passes

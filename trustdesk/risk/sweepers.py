"""Periodic risk work for `trustdesk worker`: forget expired list entries and old feature counters, and
recount the stored events into Redis after it lost its counters."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction


class RiskHousekeeping:
    name = "risk-housekeeping"

    def run_once(self, now: datetime, batch_size: int) -> int:
        from trustdesk.risk import lists
        from trustdesk.risk.features import backend

        with transaction.atomic():
            return lists.prune_expired(now) + backend().prune(int(now.timestamp()))


class CounterRecount:
    name = "risk-recount"

    def run_once(self, now: datetime, batch_size: int) -> int:
        from trustdesk.risk import recount

        return recount.sweep(now, batch_size)


def register_all() -> None:
    from trustdesk.core import worker

    worker.register(RiskHousekeeping())
    worker.register(CounterRecount())

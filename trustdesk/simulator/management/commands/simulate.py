"""`trustdesk simulate`: fill the database with a believable marketplace history for demos and tests."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from trustdesk.core.errors import DomainError
from trustdesk.simulator.scenarios import simulate
from trustdesk.simulator.world import Config, SimulationError

DEFAULTS = Config()


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--until {value!r} is not a date such as 2026-11-30") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Simulate a marketplace (merchants, shops, listings, shoppers and months of orders) "
        "through the same actions the API uses. The same seed gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
        parser.add_argument("--months", type=int, default=DEFAULTS.months)
        parser.add_argument("--merchants", type=int, default=DEFAULTS.merchants)
        parser.add_argument("--shoppers", type=int, default=DEFAULTS.shoppers)
        parser.add_argument("--orders", type=int, default=DEFAULTS.orders)
        parser.add_argument(
            "--until",
            type=_moment,
            default=None,
            help="end of the simulated period (default: now); fix it to get identical data later",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = Config(
            seed=options["seed"],
            months=options["months"],
            merchants=options["merchants"],
            shoppers=options["shoppers"],
            orders=options["orders"],
            until=options["until"],
        )
        started = time.monotonic()
        try:
            world = simulate(config)
        except (SimulationError, DomainError) as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Simulated {config.months} months of a marketplace with seed {config.seed} in "
            f"{elapsed:.1f} s. " + " ".join(world.summary)
        )

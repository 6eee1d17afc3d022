"""The simulation as a whole: the scenarios, in the order they play on one shared World.

A capability adds its own scenario module (after-sales, risk, reviews …) and appends its entry point
here; each takes the World, draws from its own random stream and says one sentence for the summary.
"""

from __future__ import annotations

from collections.abc import Callable

from django.test.utils import override_settings
from django.utils import timezone

from trustdesk.merchants.models import Merchant
from trustdesk.simulator import aftersales, attacks, governance, marketplace, trading
from trustdesk.simulator.world import PREFIX, Config, SimulationError, World

Scenario = Callable[[World], None]

SCENARIOS: tuple[Scenario, ...] = (
    marketplace.populate,
    trading.trade,
    governance.warn_late_shippers,
    governance.admit_applicants,
    governance.list_violations,
    attacks.scenario,
    aftersales.play,
)


def has_simulated_data() -> bool:
    return Merchant.objects.filter(external_id__startswith=PREFIX).exists()


def simulate(config: Config) -> World:
    config.check()
    if has_simulated_data():
        raise SimulationError(
            "this database already holds a simulated marketplace; simulate into an empty database "
            "(for example with another TRUSTDESK_VAR_DIR or DATABASE_URL)"
        )
    world = World(config, until=config.until or timezone.now())
    # With DEBUG on, Django keeps and re-quotes every SQL statement for error pages; a bulk load of
    # a quarter of a million statements gains nothing from that and would run 40% slower.
    with override_settings(DEBUG=False):
        for scenario in SCENARIOS:
            scenario(world)
    return world

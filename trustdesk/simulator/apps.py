"""App configuration of the demo simulator."""

from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "trustdesk.simulator"
    label = "simulator"
    verbose_name = "Demo simulator"

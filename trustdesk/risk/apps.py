from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "trustdesk.risk"
    label = "risk"
    verbose_name = "Risk"

    def ready(self) -> None:
        from trustdesk.risk import sweepers

        sweepers.register_all()

from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "trustdesk.aftersales"
    label = "aftersales"
    verbose_name = "After-sales service"

    def ready(self) -> None:
        from trustdesk.aftersales.sweeper import DeadlineSweeper
        from trustdesk.core.worker import register

        register(DeadlineSweeper())

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "trustdesk.core"
    label = "core"
    verbose_name = "trustdesk core"

from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "trustdesk.quality"
    label = "quality"
    verbose_name = "Service quality evaluation"

from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "trustdesk.merchants"
    label = "merchants"
    verbose_name = "Merchants"

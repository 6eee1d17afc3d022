from django.apps import AppConfig


class ListingsConfig(AppConfig):
    name = "trustdesk.listings"
    label = "listings"
    verbose_name = "Listings"

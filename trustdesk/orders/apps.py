from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "trustdesk.orders"
    label = "orders"
    verbose_name = "Orders"

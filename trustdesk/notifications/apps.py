from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "trustdesk.notifications"
    label = "notifications"
    verbose_name = "Notifications and webhooks"

    def ready(self) -> None:
        from trustdesk.core.worker import register
        from trustdesk.notifications.delivery import WebhookDelivery

        register(WebhookDelivery())

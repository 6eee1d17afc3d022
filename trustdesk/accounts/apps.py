from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trustdesk.accounts"
    label = "accounts"
    verbose_name = "Accounts and security"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from trustdesk.accounts.roles import sync_roles

        post_migrate.connect(sync_roles, sender=self)

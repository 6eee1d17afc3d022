"""`trustdesk demo_otp USERNAME`: the current two-factor code of a demo login, on development machines."""

from __future__ import annotations

from typing import Any

import pyotp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from trustdesk.accounts.models import User


class Command(BaseCommand):
    help = "Print the current six-digit two-factor code of a demo login (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        # Anyone who can run this reads second factors off the database: never on a real deployment.
        if not settings.DEBUG:
            raise CommandError(
                "demo_otp prints second factors and only runs with TRUSTDESK_DEBUG=true; on a real "
                "deployment, use the authenticator app the account was enrolled with."
            )
        username = options["username"]
        try:
            user = User.objects.filter(username=username).first()
        except DatabaseError:
            raise CommandError("there is no demo database yet; `make demo` creates it") from None
        if user is None:
            raise CommandError(f"there is no user {username!r}; `trustdesk demo` creates the demo logins")
        if not user.totp_secret:
            raise CommandError(f"{username!r} has no two-factor secret enrolled")
        self.stdout.write(pyotp.TOTP(user.totp_secret.reveal()).now())

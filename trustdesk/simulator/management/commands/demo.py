"""`trustdesk demo`: a ready-to-explore trustdesk on this machine — data, logins, and the server."""

from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trustdesk.orders.models import Order
from trustdesk.simulator.logins import DEMO_PASSWORD, DemoLogin, ensure_demo_logins
from trustdesk.simulator.management.commands.serve import DEFAULT_BIND
from trustdesk.simulator.world import Config

DEFAULTS = Config()


class Command(BaseCommand):
    help = (
        "Migrate, simulate a marketplace if the database has no orders yet, create one demo login "
        "per role, print how to get in, and serve. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=DEFAULT_BIND, help=f"address:port (default {DEFAULT_BIND})")
        parser.add_argument("--no-serve", action="store_true", help="prepare everything, then exit")
        # Sizes of the simulated marketplace, for tests and quick tries; `simulate` documents them.
        for name in ("seed", "months", "merchants", "shoppers", "orders"):
            parser.add_argument(
                f"--{name}", type=int, default=getattr(DEFAULTS, name), help=argparse.SUPPRESS
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "the demo creates logins with a published password, so it only runs with "
                "TRUSTDESK_DEBUG=true; on a real deployment use `trustdesk migrate` and `trustdesk serve`."
            )
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database schema is up to date.")
        if Order.objects.exists():
            self.stdout.write("The database already has orders, so the simulator is not run again.")
        else:
            self.stdout.write("Simulating a marketplace (this takes a little while) …")
            sizes = {k: options[k] for k in ("seed", "months", "merchants", "shoppers", "orders")}
            call_command("simulate", stdout=self.stdout, **sizes)
        logins = ensure_demo_logins()
        self._print_welcome(options["bind"], logins)
        if not options["no_serve"]:
            call_command("serve", bind=options["bind"])

    def _print_welcome(self, bind: str, logins: list[DemoLogin]) -> None:
        host, _, port = bind.rpartition(":")
        base = f"http://{'127.0.0.1' if host in {'', '0.0.0.0', '[::]'} else host}:{port}"  # noqa: S104
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS("trustdesk demo is ready."))
        write(f"  Console    {base}/")
        write(f"  API docs   {base}/api/v1/docs")
        write(f"  OpenAPI    {base}/api/v1/openapi.json")
        write("")
        write(f"Logins — every password is {DEMO_PASSWORD}")
        write("Staff sign in with a second factor: add the secret to an authenticator app, or run")
        write("`make otp user=USERNAME` for the current code.")
        write(f"  {'username':<12}{'role':<12}{'two-factor secret':<36}sees")
        for login in logins:
            secret = login.totp_secret or "-"
            write(f"  {login.username:<12}{login.role:<12}{secret:<36}{login.acts_for}")
        write("")

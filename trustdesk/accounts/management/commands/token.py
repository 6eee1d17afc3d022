"""`trustdesk token create|list|revoke`: API bearer tokens for the marketplace back-end."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trustdesk.accounts import services
from trustdesk.accounts.models import ApiToken
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError

CLI = Actor.system("cli")


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it (shown only once)")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="comma-separated scopes, or 'all'")
        create.add_argument("--expires-in-days", type=int, default=None)
        sub.add_parser("list", help="list tokens (never their secrets)")
        revoke = sub.add_parser("revoke", help="revoke a token by name")
        revoke.add_argument("--name", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                token, bearer = services.do_create_token(
                    options["name"],
                    options["scopes"],
                    actor=CLI,
                    expires_in_days=options["expires_in_days"],
                )
                self.stdout.write(f"created token {token.name!r} with scopes {','.join(token.scopes)}")
                self.stdout.write(bearer)
            elif options["action"] == "list":
                for t in ApiToken.objects.all():
                    state = "active" if t.is_active else "revoked/expired"
                    self.stdout.write(f"{t.name}\t{','.join(t.scopes)}\t{state}")
            else:
                services.do_revoke_token(options["name"], actor=CLI)
                self.stdout.write(f"revoked token {options['name']!r}")
        except DomainError as exc:
            raise CommandError(exc.message) from None

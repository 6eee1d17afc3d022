"""`trustdesk worker`: sweep due deadlines and deliver the outbox, for as long as it runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trustdesk.core import worker


class Command(BaseCommand):
    help = "Run the background sweepers (deadlines, webhooks). Safe to run several at once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass of every sweeper, then exit")
        parser.add_argument("--only", action="append", default=[], help="run just this sweeper")
        parser.add_argument("--batch", type=int, default=200, help="rows a sweeper claims at a time")
        parser.add_argument("--idle-sleep", type=float, default=2.0, help="seconds to wait when idle")
        parser.add_argument("--list", action="store_true", help="list the registered sweepers")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sweepers = worker.registered(options["only"])
        except KeyError as exc:
            raise CommandError(exc.args[0]) from None
        if options["list"]:
            for sweeper in sweepers:
                self.stdout.write(sweeper.name)
            return
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if options["once"]:
            result = worker.run_pass(sweepers, options["batch"])
            summary = ", ".join(f"{name}={n}" for name, n in result.handled.items()) or "nothing"
            self.stdout.write(f"handled {summary}")
            if result.failed:
                raise CommandError(f"sweeper(s) failed: {', '.join(result.failed)}")
            return
        names = ", ".join(s.name for s in sweepers)
        self.stdout.write(f"worker started: {names}")
        worker.run_forever(sweepers, batch_size=options["batch"], idle_sleep=options["idle_sleep"])
        self.stdout.write("worker stopped")

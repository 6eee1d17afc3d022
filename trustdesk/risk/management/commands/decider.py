"""`trustdesk decider --socket PATH`: the process that decides web workers' single events together.

`trustdesk serve` starts one by itself; run it by hand only to serve workers started some other way
(then give them the same path in TRUSTDESK_DECIDER_SOCKET). It stops with its parent process, on
SIGTERM or SIGINT.
"""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trustdesk.risk.decider import Decider


class Command(BaseCommand):
    help = "Decide the single risk events of every web worker, several per transaction."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--socket", required=True, help="the Unix socket to listen on")
        parser.add_argument("--parent", type=int, default=None, help="stop when this process is gone")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            decider = Decider(options["socket"], options["parent"])
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['socket']}: {exc.strerror or exc}") from exc

        def stop(_signum: int, _frame: Any) -> None:
            decider.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        decider.serve_forever()

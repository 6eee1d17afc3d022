"""`trustdesk serve`: the web application under Granian, sized by TRUSTDESK_WEB_WORKERS/THREADS.

Granian (a Rust HTTP server with a WSGI interface) replaced gunicorn: it parses HTTP and keeps
connections alive outside the interpreter, which left the Python workers more of the two cores
(docs/decisions/0003-web-server.md has the figures).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from granian.constants import Interfaces
from granian.server import Server

from trustdesk.envconfig import env_bool, env_int

DEFAULT_BIND = "127.0.0.1:8000"


# One worker process with one application thread per core by default. The requests are CPU-bound
# Python: threads in one process take turns on the GIL, and a thread that holds SQLite's write lock
# while waiting for the GIL makes every other writer wait too. Measured with
# bench/bench_open_request.py on 2 cores at 200 opens/s: 2 workers × 4 threads saturated (p99 ≈ 0.5 s),
# 2 × 1 kept p99 in the tens of ms. Raise TRUSTDESK_WEB_THREADS where requests wait on the network
# rather than the CPU.
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 1


def server_options(bind: str) -> dict[str, Any]:
    """Granian's settings for `trustdesk serve --bind ADDRESS:PORT`, from the environment."""
    workers = env_int("TRUSTDESK_WEB_WORKERS", DEFAULT_WORKERS)
    threads = env_int("TRUSTDESK_WEB_THREADS", DEFAULT_THREADS)
    if workers < 1 or threads < 1:
        raise CommandError("TRUSTDESK_WEB_WORKERS and TRUSTDESK_WEB_THREADS must be at least 1")
    address, _, port = bind.rpartition(":")
    if not address or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind takes ADDRESS:PORT, such as {DEFAULT_BIND}; got {bind!r}")
    return {
        "target": "trustdesk.wsgi:application",
        "interface": Interfaces.WSGI,
        "address": address.strip("[]"),
        "port": int(port),
        "workers": workers,
        "blocking_threads": threads,
        "websockets": False,
        "backlog": 2048,
        "log_access": env_bool("TRUSTDESK_ACCESS_LOG", True),
        # A worker that dies (out of memory, a crash in a C extension) is started again.
        "respawn_failed_workers": True,
    }


class Command(BaseCommand):
    help = "Serve the console and the API with Granian."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=DEFAULT_BIND, help=f"address:port (default {DEFAULT_BIND})")

    def handle(self, *args: Any, **options: Any) -> None:
        server_settings = server_options(options["bind"])
        if not settings.DEBUG:
            # Production serves hashed, compressed copies; in development WhiteNoise finds the sources.
            call_command("collectstatic", interactive=False, verbosity=0)
        # The workers are processes of their own: they must not share this one's database connection.
        connections.close_all()
        Server(**server_settings).serve()

"""`trustdesk serve`: the web application under gunicorn, sized by TRUSTDESK_WEB_WORKERS/THREADS."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication

from trustdesk.envconfig import env_int

DEFAULT_BIND = "127.0.0.1:8000"


# One single-threaded (sync) worker per core by default. The requests are CPU-bound Python: threads in
# one process take turns on the GIL, and a thread that holds SQLite's write lock while waiting for the
# GIL makes every other writer wait (and back off) too. Measured with bench/bench_open_request.py on 2
# cores at 200 opens/s: 2 workers × 4 threads saturated (p99 ≈ 0.5 s), 2 × 1 kept p99 in the tens of
# ms. Raise TRUSTDESK_WEB_THREADS where requests wait on the network rather than the CPU.
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 1


def gunicorn_options(bind: str) -> dict[str, Any]:
    workers = env_int("TRUSTDESK_WEB_WORKERS", DEFAULT_WORKERS)
    threads = env_int("TRUSTDESK_WEB_THREADS", DEFAULT_THREADS)
    if workers < 1 or threads < 1:
        raise CommandError("TRUSTDESK_WEB_WORKERS and TRUSTDESK_WEB_THREADS must be at least 1")
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "accesslog": "-",
        "proc_name": "trustdesk",
        # Newer gunicorn opens a control socket at one path per user, which a second server on the
        # machine would fight over; nothing here uses it.
        "control_socket_disable": True,
    }


class WebServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if name == "control_socket_disable" and name not in self.cfg.settings:
                continue  # a gunicorn from before control sockets
            self.cfg.set(name, value)

    def load(self) -> Any:
        from trustdesk.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve the console and the API with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=DEFAULT_BIND, help=f"address:port (default {DEFAULT_BIND})")

    def handle(self, *args: Any, **options: Any) -> None:
        server_options = gunicorn_options(options["bind"])
        if not settings.DEBUG:
            # Production serves hashed, compressed copies; in development WhiteNoise finds the sources.
            call_command("collectstatic", interactive=False, verbosity=0)
        # Workers are forked from this process: they must not share its database connection.
        connections.close_all()
        WebServer(server_options).run()

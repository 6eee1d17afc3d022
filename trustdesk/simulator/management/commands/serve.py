"""`trustdesk serve`: the web application under Granian, sized by TRUSTDESK_WEB_WORKERS/THREADS.

Granian (a Rust HTTP server with a WSGI interface) replaced gunicorn: it parses HTTP and keeps
connections alive outside the interpreter, which left the Python workers more of the two cores
(docs/decisions/0003-web-server.md has the figures).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from granian.constants import Interfaces
from granian.server import Server

from trustdesk.envconfig import env_bool, env_int

DEFAULT_BIND = "127.0.0.1:8000"


# One application thread per worker process. The requests are CPU-bound Python: threads in one
# process take turns on the GIL, and a thread that holds SQLite's write lock while waiting for the
# GIL makes every other writer wait too. Measured with bench/bench_open_request.py on 2 cores at 200
# opens/s: 2 workers × 4 threads saturated (p99 ≈ 0.5 s), 2 × 1 kept p99 in the tens of ms. Raise
# TRUSTDESK_WEB_THREADS where requests wait on the network rather than the CPU.
DEFAULT_THREADS = 1


def workers_per_core(*, decider: bool, postgresql: bool) -> int:
    """Three beside the decider, since a worker then spends most of a single event waiting for it and
    the decider's groups are only as large as the events in flight (bench/bench_risk_http.py, SQLite,
    2 cores: 2 workers without the decider 1,143–1,220 single events/s, 6 with it 1,282–1,640/s).
    Two on PostgreSQL, where a worker waits for each round trip and commit: 4 workers on 2 cores
    decided 928–1,072 single events/s against 755–830/s with 2, answered 2–3 % fewer reads, and
    opened after-sales requests alike. One on SQLite without the decider, where more writers only
    queue longer for the one write lock."""
    if decider:
        return 3
    return 2 if postgresql else 1


def default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    postgresql = connections["default"].vendor == "postgresql"
    return cores * workers_per_core(decider=settings.RISK_DECIDER, postgresql=postgresql)


def server_options(bind: str) -> dict[str, Any]:
    """Granian's settings for `trustdesk serve --bind ADDRESS:PORT`, from the environment."""
    workers = env_int("TRUSTDESK_WEB_WORKERS", default_workers())
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
        decider = _Decider() if settings.RISK_DECIDER else None
        try:
            Server(**server_settings).serve()
        finally:
            if decider is not None:
                decider.stop()


class _Decider:
    """The decider process beside the web workers (trustdesk/risk/decider.py), started again if it
    dies; the workers find it through TRUSTDESK_DECIDER_SOCKET and decide in-process meanwhile."""

    def __init__(self) -> None:
        self.path = _socket_path()
        # Set before the workers start, whether they are forked or spawned.
        os.environ["TRUSTDESK_DECIDER_SOCKET"] = settings.RISK_DECIDER_SOCKET = self.path
        self.stopping = threading.Event()
        # A file left by a decider that was killed would pass for the new one's socket.
        Path(self.path).unlink(missing_ok=True)
        self.process = self._start()
        # Workers that start first decide in-process until it listens; waiting keeps the first
        # requests from doing so.
        deadline = time.monotonic() + 30
        while not Path(self.path).exists() and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        threading.Thread(target=self._watch, name="decider-watch", daemon=True).start()

    def _start(self) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "trustdesk.cli",
            "decider",
            f"--socket={self.path}",
            f"--parent={os.getpid()}",
        ]
        return subprocess.Popen(command)  # noqa: S603 (our own command)

    def _watch(self) -> None:
        while not self.stopping.is_set():
            self.process.wait()
            # A second's pause, so a decider that cannot start does not spin.
            if not self.stopping.wait(1.0):
                self.process = self._start()

    def stop(self) -> None:
        self.stopping.set()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _socket_path() -> str:
    # A Unix socket's path holds at most 107 bytes; a deep VAR_DIR gets a private directory instead.
    path = Path(settings.VAR_DIR) / "run" / "decider.sock"
    if len(str(path).encode()) > 100:
        path = Path(tempfile.mkdtemp(prefix="trustdesk-")) / "decider.sock"
    return str(path)

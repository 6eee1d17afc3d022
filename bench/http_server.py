"""What the HTTP benchmarks share: a free port, and `trustdesk serve` started exactly as it runs in
production (the benchmarking process's environment, so its database and settings), waited for until
it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, **env: str) -> subprocess.Popen[bytes]:
    """`trustdesk serve --bind 127.0.0.1:PORT`; returns once every worker can take a request."""
    command = [str(ROOT / ".venv/bin/trustdesk"), "serve", f"--bind=127.0.0.1:{port}"]
    environment = {**os.environ, **env}
    server = subprocess.Popen(command, cwd=ROOT, env=environment)  # noqa: S603 (our own command)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"`trustdesk serve` exited with status {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as probe:
                probe.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                if probe.recv(12).startswith(b"HTTP/1.1"):
                    # The port answers as soon as one worker is up; give the others their start-up.
                    time.sleep(2)
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("`trustdesk serve` did not answer within 60 s")

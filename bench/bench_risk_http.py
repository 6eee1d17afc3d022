"""HTTP POST /api/v1/events against a real server: `trustdesk serve` (Granian, sized by
TRUSTDESK_WEB_WORKERS/THREADS as in production) on this machine, with 30 active rules, in production
settings (DEBUG off).

Measures, in one run: single events (8 connections), batches of 500 (2 connections), and as the
baseline the cheapest authenticated call of the same API, GET /api/v1/events/{id}. The load generator
is a small asyncio client in this process, so it takes CPU from the same two cores as the server.

Run on SQLite (a fresh database in a temporary directory, database feature backend):
  .venv/bin/python bench/bench_risk_http.py [singles] [batches]
On PostgreSQL + Redis (a scratch database; everything in it is deleted):
  DATABASE_URL=postgres://…/scratch REDIS_URL=redis://127.0.0.1:6379/9 \
      .venv/bin/python bench/bench_risk_http.py
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DATABASE_URL"):
    os.environ["TRUSTDESK_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-http-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "trustdesk.settings",
        "TRUSTDESK_DEBUG": "false",
        "TRUSTDESK_SECRET_KEY": secrets.token_urlsafe(40),
        "TRUSTDESK_PII_KEY": os.environ.get("TRUSTDESK_PII_KEY", ""),
        "TRUSTDESK_PII_INDEX_KEY": secrets.token_urlsafe(32),
        "TRUSTDESK_ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTDESK_CACHE_PREFIX": "bench-http",
        # Without the access log unless asked for, as the gunicorn runs before were measured.
        "TRUSTDESK_ACCESS_LOG": os.environ.get("TRUSTDESK_ACCESS_LOG", "false"),
    }
)
if not os.environ["TRUSTDESK_PII_KEY"]:
    from cryptography.fernet import Fernet

    os.environ["TRUSTDESK_PII_KEY"] = Fernet.generate_key().decode()

import django

django.setup()
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cpu_meter import CpuMeter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from http_server import free_port, start_server  # noqa: E402
from risk_common import add_rules, event_body, percentile, reset_risk_tables  # noqa: E402

from trustdesk.accounts.services import do_create_token  # noqa: E402
from trustdesk.core.actors import Actor  # noqa: E402
from trustdesk.risk.features import backend  # noqa: E402
from trustdesk.simulator.management.commands.serve import server_options  # noqa: E402


def prepare() -> str:
    call_command("migrate", verbosity=0)
    # A scratch database: start from no events, so runs compare.
    reset_risk_tables()
    backend().clear()
    add_rules()
    _token, bearer = do_create_token("bench-http", "risk:events,risk:read", actor=Actor.system("bench"))
    connections.close_all()
    return bearer


def request(method: str, path: str, bearer: str, body: bytes = b"") -> bytes:
    authorization = f"Authorization: Bearer {bearer}\r\n" if bearer else ""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{authorization}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _connection(port: int, queue: list[bytes], latencies: list[float], failures: list[str]) -> None:
    """One client connection: keeps it open while the server does, reconnects when it closes it; a
    latency includes any reconnect."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while queue:
            payload = queue.pop()
            started = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            writer.write(payload)
            status_line = await reader.readline()
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode().partition(":")
                name = name.lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection":
                    close = value.strip().lower() == "close"
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if b" 200 " not in status_line:
                failures.append(status_line.decode().strip() + " " + body[:200].decode(errors="replace"))
            if close:
                writer.close()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


def load(port: int, payloads: list[bytes], connections_: int) -> tuple[float, list[float], list[str]]:
    queue = list(reversed(payloads))
    latencies: list[float] = []
    failures: list[str] = []

    async def run() -> None:
        await asyncio.gather(*(_connection(port, queue, latencies, failures) for _ in range(connections_)))

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started, sorted(latencies), failures


def report(
    label: str, count: int, elapsed: float, latencies: list[float], failures: list[str]
) -> tuple[float, float]:
    rate = count / elapsed
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(f"{label:<58} {rate:>9,.0f} events/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
    if failures:
        print(f"  {len(failures)} failed, first: {failures[0]}")
    return rate, p99


def direct_cpu(bearer: str, calls: list[tuple[str, str, bytes]]) -> float:
    """This process's CPU per request (µs), calling the server's WSGI application directly."""
    from trustdesk.wsgi import application

    def call(method: str, path: str, body: bytes) -> None:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
        }
        if bearer:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {bearer}"
        b"".join(application(environ, lambda status, headers: None))

    for method, path, body in calls[:200]:  # warm
        call(method, path, body)
    started = time.process_time()
    for method, path, body in calls:
        call(method, path, body)
    return (time.process_time() - started) / len(calls) * 1e6


def main() -> None:
    singles = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    bearer = prepare()
    features = "redis" if settings.REDIS_URL else "database"
    port = free_port()
    sizing = server_options(f"127.0.0.1:{port}")
    print(
        f"database: {connection.vendor}; features: {features}; Granian {sizing['workers']} workers × "
        f"{sizing['blocking_threads']} threads, access log {'on' if sizing['log_access'] else 'off'}; "
        f"30 active rules; load average before: {os.getloadavg()[0]:.2f}"
    )
    rng = random.Random(4)
    server = start_server(port)
    meter = CpuMeter(server.pid, database=connection.vendor == "postgresql", redis=bool(settings.REDIS_URL))
    try:
        warm = [
            request("POST", "/api/v1/events", bearer, json.dumps(event_body(i, rng, "w")).encode())
            for i in range(300)
        ]
        load(port, warm, 8)
        bodies = [json.dumps(event_body(i, rng, "s")).encode() for i in range(singles)]
        payloads = [request("POST", "/api/v1/events", bearer, b) for b in bodies]
        meter.start()
        elapsed, latencies, failures = load(port, payloads, 8)
        used = meter.stop(singles)
        single_rate, single_p99 = report(
            "POST /events, single events (8 connections)", singles, elapsed, latencies, failures
        )
        print(used.report(target_rate=1500))
        batch_bodies = [
            json.dumps({"events": [event_body(b * 500 + i, rng, "b") for i in range(500)]}).encode()
            for b in range(batches)
        ]
        payloads = [request("POST", "/api/v1/events", bearer, b) for b in batch_bodies]
        meter.start()
        elapsed, latencies, failures = load(port, payloads, 2)
        used = meter.stop(batches * 500)
        batch_rate, _ = report(
            "POST /events, batches of 500 (2 connections; p = per batch)",
            batches * 500,
            elapsed,
            latencies,
            failures,
        )
        print(used.report(target_rate=20_000))
        reads = [request("GET", f"/api/v1/events/s-{rng.randrange(singles)}", bearer) for _ in range(singles)]
        meter.start()
        elapsed, latencies, failures = load(port, reads, 8)
        used = meter.stop(singles)
        read_rate, _ = report(
            "baseline: GET /events/{id} (8 connections)", singles, elapsed, latencies, failures
        )
        print(used.report().replace("decide", "answer"))
        # The stack's floor: the same POST without a token, refused (401) before any statement or
        # Redis call — what the server, Django and Ninja cost a request by themselves.
        refused = [request("POST", "/api/v1/events", "", bodies[i]) for i in range(singles)]
        meter.start()
        elapsed, latencies, failures = load(port, refused, 8)
        used = meter.stop(singles)
        floor_rate, _ = report(
            "floor: POST /events refused, no token (8 connections)",
            singles,
            elapsed,
            latencies,
            [f for f in failures if " 401 " not in f],
        )
        print(used.report().replace("decide", "answer"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    # The same reads and refusals through the WSGI application called in this process: what the
    # request costs without the HTTP server, its sockets and its hand-over to Python.
    direct_read = direct_cpu(
        bearer, [("GET", f"/api/v1/events/s-{rng.randrange(singles)}", b"") for _ in range(2000)]
    )
    direct_floor = direct_cpu("", [("POST", "/api/v1/events", bodies[i]) for i in range(2000)])
    print(
        f"in-process, CPU per request: GET /events/{{id}} {direct_read:,.0f} µs, refused POST "
        f"{direct_floor:,.0f} µs (over HTTP, the server's CPU per request is in the lines above)"
    )
    print(
        f"single POST / baseline GET: {single_rate / read_rate:.2f}×; "
        f"batched / single: {batch_rate / single_rate:.1f}×; "
        f"floor / single POST: {floor_rate / single_rate:.2f}×"
    )
    met_single = single_rate >= 1500 and single_p99 <= 25
    print(f"target ≥ 1,500 single events/s with p99 ≤ 25 ms: {'met' if met_single else 'NOT met'}")
    print(f"target ≥ 20,000 events/s in batches of 500: {'met' if batch_rate >= 20_000 else 'NOT met'}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

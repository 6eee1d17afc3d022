"""Opening after-sales requests through the API over real HTTP at a fixed rate.

Starts `trustdesk serve` on 127.0.0.1 against a throw-away database holding delivered orders, then sends
`POST /api/v1/aftersales/cases` at 200 requests/s (a bounded open loop: each request leaves at its
scheduled time, whatever happened to the previous ones) and reports p50/p99. The baseline, measured in
the same run at the same rate, is `GET /api/v1/orders/{id}` — a plain authenticated read. The server
runs with DEBUG off, as in production, sized exactly as `trustdesk serve` sizes it (its
`server_options`: TRUSTDESK_WEB_WORKERS, default three per core with the decider, two per core on
PostgreSQL, one otherwise, and TRUSTDESK_WEB_THREADS, default 1); the load generator shares the
machine with it.

For PostgreSQL set DATABASE_URL to an empty database (created afresh for each run: the seeding
refuses to create its token twice).

  TRUSTDESK_DEBUG=true TRUSTDESK_VAR_DIR=$(mktemp -d) \
      .venv/bin/python bench/bench_open_request.py [seconds] [rate]
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import sys
import time
from datetime import timedelta

from cryptography.fernet import Fernet

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
# The server runs as in production (DEBUG off, which needs real keys); the seeding process shares them.
os.environ.setdefault("TRUSTDESK_PII_KEY", Fernet.generate_key().decode())
os.environ.setdefault("TRUSTDESK_PII_INDEX_KEY", secrets.token_urlsafe(32))
os.environ.setdefault("TRUSTDESK_SECRET_KEY", secrets.token_urlsafe(48))
import django

django.setup()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from http_server import free_port, start_server  # noqa: E402

from trustdesk.accounts import services as accounts  # noqa: E402
from trustdesk.aftersales import loadfixture  # noqa: E402
from trustdesk.core.actors import Actor  # noqa: E402
from trustdesk.simulator.management.commands.serve import server_options  # noqa: E402


async def _call(port: int, method: str, path: str, body: dict | None, bearer: str) -> tuple[int, float]:
    """One request on its own connection, as a client that does not keep connections alive."""
    data = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {bearer}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + data)
        response = await reader.read()
    finally:
        writer.close()
    took = time.perf_counter() - started
    return int(response.split(b" ", 2)[1]), took


def run(port: int, requests: list[tuple[str, str, dict | None]], rate: float, bearer: str) -> list[float]:
    """A bounded open loop: request i leaves at start + i / rate whatever happened to the others. One
    asyncio loop sends them all, so the client's own threads never queue for the interpreter (a pool
    of 32 threads did, and its waits showed up in the measured latency)."""
    latencies: list[float] = []
    statuses: list[int] = []

    async def fire(start: float, i: int) -> None:
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        status, took = await _call(port, *requests[i], bearer)
        statuses.append(status)
        latencies.append(took)

    async def everything() -> None:
        start = time.perf_counter() + 0.2
        await asyncio.gather(*(fire(start, i) for i in range(len(requests))))

    asyncio.run(everything())
    bad = [s for s in statuses if s >= 300]
    assert not bad, f"{len(bad)} failed requests, e.g. {bad[:5]}"
    return latencies


def p(latencies: list[float], q: float) -> float:
    return statistics.quantiles(latencies, n=100)[q - 1] * 1000 if q < 100 else max(latencies) * 1000


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 200.0
    count = int(seconds * rate)
    call_command("migrate", verbosity=0)
    shopper, shop, listing = loadfixture._base("http", loadfixture.Decimal("1000"))
    items = loadfixture._orders("http", count, shopper, shop, listing, timezone.now() - timedelta(days=1))
    _token, bearer = accounts.do_create_token("bench-http", "all", actor=Actor.system("bench"))
    port = free_port()
    sizing = server_options(f"127.0.0.1:{port}")
    print(f"server: Granian {sizing['workers']} workers × {sizing['blocking_threads']} threads")
    server = start_server(port, TRUSTDESK_DEBUG="false", TRUSTDESK_ALLOWED_HOSTS="127.0.0.1")
    try:
        orders = [(i.order.external_id, i.pk) for i in items]
        reads = [("GET", f"/api/v1/orders/{ext}", None) for ext, _pk in orders]
        run(port, reads[:200], rate, bearer)  # warm both workers up
        base = run(port, reads, rate, bearer)
        opens = [
            (
                "POST",
                "/api/v1/aftersales/cases",
                {
                    "order": ext,
                    "item": pk,
                    "shopper": shopper.external_id,
                    "kind": "return_refund",
                    "reason": "no_reason",
                    "description": "does not fit",
                },
            )
            for ext, pk in orders
        ]
        measured = run(port, opens, rate, bearer)
    finally:
        server.terminate()
        server.wait()
    from django.db import connection as db

    print(f"database: {db.vendor}; {count} requests at {rate:.0f}/s")
    print(f"  read order: p50 {p(base, 50):.1f} ms, p99 {p(base, 99):.1f} ms")
    print(f"  open request: p50 {p(measured, 50):.1f} ms, p99 {p(measured, 99):.1f} ms")
    print(
        f"RESULT open request p99 at {rate:.0f} req/s, {db.vendor}: {p(measured, 99):.1f} ms; "
        f"baseline GET order p99: {p(base, 99):.1f} ms; ratio {p(measured, 99) / p(base, 99):.2f}"
    )


if __name__ == "__main__":
    main()

"""Kill real worker processes at random moments: no deadline is lost, nothing happens twice.

Each test builds its own database (a SQLite file, or a PostgreSQL database of its own), fills it with
overdue cases, then starts `trustdesk worker` as a subprocess and SIGKILLs it at random moments, again
and again, before letting a last worker finish. Then it counts, with plain SQL: every due case moved
exactly once, with one event row; one refund per case; one deposit deduction per advanced refund.
The fixtures cover both ways a pass acts: return requests of silent merchants are approved (and later
closed when the shopper never ships) in set-based bulk moves; refund-only approvals, unconfirmed
receipts and unpaid refunds move money and go one by one.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import skip_or_fail

PER_KIND = 300
DEPOSIT = Decimal("1000000.00")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
# Every run gets its own database: other people's test runs may be killing workers at the same time.
PG_NAME = f"trustdesk_aftersales_kill_{os.getpid()}"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TRUSTDESK_TESTING", "PYTEST_XDIST_WORKER")}
    env.update(
        {
            "DATABASE_URL": database_url,
            "TRUSTDESK_DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "trustdesk.settings",
        }
    )
    return env


def _trustdesk(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", "from trustdesk.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from trustdesk.cli import main; main()",
            "worker",
            "--only",
            "aftersales-deadlines",
            "--batch",
            "7",
            "--idle-sleep",
            "0.05",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _prepare(env: dict[str, str]) -> None:
    _trustdesk(env, "migrate", "--noinput")
    # Refund-only requests the merchant ignored (→ approved, refund owed) and returns whose receipt was
    # never confirmed (→ refunded): both create money, so doubling would show.
    _trustdesk(
        env,
        "aftersales_loadfixture",
        "--open",
        str(PER_KIND),
        "--due",
        str(PER_KIND),
        "--kind",
        "refund_only",
        "--distinct-items",
        "--tag",
        "ignored",
    )
    # Return requests the merchant ignored: approved in bulk moves, no money yet.
    _trustdesk(
        env,
        "aftersales_loadfixture",
        "--open",
        str(PER_KIND),
        "--due",
        str(PER_KIND),
        "--kind",
        "return_refund",
        "--distinct-items",
        "--tag",
        "silent",
    )
    _trustdesk(
        env,
        "aftersales_loadfixture",
        "--open",
        str(PER_KIND),
        "--due",
        str(PER_KIND),
        "--status",
        "return_delivered",
        "--deadline",
        "merchant_receipt",
        "--distinct-items",
        "--tag",
        "unconfirmed",
    )


def _open_due(query: Callable[[str], list[Any]]) -> int:
    # Refunds and return shipments are deadlines the first phase starts; the second phase makes them due.
    sql = (
        "SELECT COUNT(*) FROM aftersales_deadline "
        "WHERE state = 'open' AND kind NOT IN ('refund', 'shopper_ship')"
    )
    return query(sql)[0][0]


def _breached(query: Callable[[str], list[Any]]) -> int:
    return query("SELECT COUNT(*) FROM aftersales_deadline WHERE state = 'breached'")[0][0]


def _kill_rounds(
    env: dict[str, str], query: Callable[[str], list[Any]], rounds: int, workers: int = 1
) -> list[int]:
    rng = random.Random(os.getpid())
    left = []
    for _ in range(rounds):
        before = _breached(query)
        procs = [_worker(env) for _ in range(workers)]
        # Wait until the workers are busy (start-up takes a second or two), then kill at a random moment.
        started = time.monotonic()
        try:
            while _breached(query) == before and time.monotonic() - started < 30:
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.3))
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
        left.append(_open_due(query))
    return left


def _drain(env: dict[str, str]) -> None:
    for _ in range(10):
        out = _trustdesk(env, "worker", "--once", "--only", "aftersales-deadlines", "--batch", "5000")
        if "aftersales-deadlines=0" in out:
            return
    raise AssertionError("the worker did not finish the due deadlines")


def _check_phase_one(query: Callable[[str], list[Any]]) -> None:
    assert _open_due(query) == 0
    moves = query(
        "SELECT case_id, COUNT(*) FROM aftersales_caseevent WHERE to_state = 'refunding' GROUP BY case_id"
    )
    assert len(moves) == 2 * PER_KIND and {n for _, n in moves} == {1}
    refunds = query("SELECT case_id, COUNT(*) FROM aftersales_refund GROUP BY case_id")
    assert len(refunds) == 2 * PER_KIND and {n for _, n in refunds} == {1}
    approved = query(
        "SELECT case_id, COUNT(*) FROM aftersales_caseevent "
        "WHERE to_state = 'awaiting_return' GROUP BY case_id"
    )
    assert len(approved) == PER_KIND and {n for _, n in approved} == {1}
    ships = query(
        "SELECT case_id, COUNT(*) FROM aftersales_deadline WHERE kind = 'shopper_ship' GROUP BY case_id"
    )
    assert len(ships) == PER_KIND and {n for _, n in ships} == {1}
    breached = query("SELECT COUNT(*) FROM aftersales_deadline WHERE state = 'breached'")[0][0]
    assert breached == 3 * PER_KIND


def _check_phase_two(query: Callable[[str], list[Any]]) -> None:
    assert query("SELECT COUNT(*) FROM aftersales_refund WHERE status = 'pending'")[0][0] == 0
    payers = query("SELECT payer, COUNT(*) FROM aftersales_refund GROUP BY payer")
    assert dict(payers) == {"platform": 2 * PER_KIND}
    deductions = query("SELECT refund_id, COUNT(*) FROM aftersales_depositdeduction GROUP BY refund_id")
    assert len(deductions) == 2 * PER_KIND and {n for _, n in deductions} == {1}
    resolved = query(
        "SELECT case_id, COUNT(*) FROM aftersales_caseevent WHERE to_state = 'resolved' GROUP BY case_id"
    )
    assert len(resolved) == 2 * PER_KIND and {n for _, n in resolved} == {1}
    deposits = query("SELECT deposit_amount FROM merchants_merchant WHERE external_id LIKE 'load-%'")
    assert sum(Decimal(str(d)) for (d,) in deposits) == 3 * DEPOSIT - Decimal("10.00") * 2 * PER_KIND
    closed = query(
        "SELECT case_id, resolution, COUNT(*) FROM aftersales_caseevent JOIN aftersales_case c "
        "ON c.id = case_id WHERE to_state = 'closed' GROUP BY case_id, resolution"
    )
    assert len(closed) == PER_KIND and {(r, n) for _, r, n in closed} == {("lapsed", 1)}
    surveys = query("SELECT case_id, COUNT(*) FROM aftersales_survey GROUP BY case_id")
    assert len(surveys) == 3 * PER_KIND and {n for _, n in surveys} == {1}


def _make_refunds_overdue(execute: Callable[[str], None]) -> None:
    execute(
        "UPDATE aftersales_deadline SET due_at = started_at "
        "WHERE kind IN ('refund', 'shopper_ship') AND state = 'open'"
    )


def _scenario(
    env: dict[str, str], query: Callable[[str], list[Any]], execute: Callable[[str], None], workers: int
) -> None:
    total = _open_due(query)
    assert total == 3 * PER_KIND
    left = _kill_rounds(env, query, rounds=6, workers=workers)
    assert left[0] < total, "the killed workers never got to work"
    _drain(env)
    _check_phase_one(query)
    _make_refunds_overdue(execute)
    _kill_rounds(env, query, rounds=4, workers=workers)
    _drain(env)
    _check_phase_two(query)


def test_sigkilled_worker_on_sqlite_misses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    env = _env(f"sqlite:///{db}")
    env["TRUSTDESK_MEDIA_ROOT"] = str(tmp_path / "media")
    _prepare(env)

    def query(sql: str) -> list[Any]:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(sql).fetchall()

    def execute(sql: str) -> None:
        with sqlite3.connect(db, timeout=30) as conn:
            conn.execute(sql)

    _scenario(env, query, execute, workers=1)


@pytest.mark.postgres
def test_two_concurrent_workers_on_postgresql_killed_at_random(tmp_path: Path) -> None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {PG_NAME}")
    except Exception as exc:  # any connection failure means no PostgreSQL here
        skip_or_fail(f"PostgreSQL is not reachable at 127.0.0.1:5432: {exc}")
        return
    env = _env(PG_URL)
    env["TRUSTDESK_MEDIA_ROOT"] = str(tmp_path / "media")
    _prepare(env)

    def query(sql: str) -> list[Any]:
        with psycopg.connect(PG_URL) as conn:
            return conn.execute(sql).fetchall()

    def execute(sql: str) -> None:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(sql)

    try:
        _scenario(env, query, execute, workers=2)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")

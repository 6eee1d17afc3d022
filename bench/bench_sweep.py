"""One pass of the after-sales deadline sweeper with many open cases, few of them due.

A pass is one `DeadlineSweeper.run_once(now, BATCH)`: one transaction that claims up to BATCH (1,000)
due deadlines and applies their consequences (here: silent merchants' return requests approved). Seeds
100,000 open cases of which 10,000 are overdue (raw `INSERT … SELECT`), times the first passes and the
drain of all 10,000, then grows the table to 1,000,000 open cases (again 10,000 overdue) and times the
same. The 100,000 figure is the baseline: the ratio shows whether the cost stays flat as cases grow.
Runs with DEBUG off, as a worker does in production (DEBUG keeps every SQL statement in memory).

Run against a throw-away database:
  TRUSTDESK_DEBUG=true TRUSTDESK_VAR_DIR=$(mktemp -d) \
    .venv/bin/python bench/bench_sweep.py [small] [large] [due] [batch]
(set DATABASE_URL to a scratch PostgreSQL database to measure PostgreSQL).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
import django

django.setup()

from django.conf import settings  # noqa: E402

settings.DEBUG = False

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from trustdesk.aftersales import loadfixture  # noqa: E402
from trustdesk.aftersales.models import Deadline  # noqa: E402
from trustdesk.aftersales.sweeper import DeadlineSweeper  # noqa: E402

DUE = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
BATCH = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
PASSES = 5


def seed(total_open: int, already: int) -> None:
    started = time.perf_counter()
    loadfixture.seed_sql(open_cases=DUE, due=DUE, tag="bench")
    loadfixture.seed_sql(open_cases=total_open - already - DUE, due=0, tag="bench")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # a steady state: hint bits set, statistics fresh
    print(
        f"  seeded {total_open - already:,} open cases in {time.perf_counter() - started:.0f} s", flush=True
    )


def plan() -> None:
    """Print how the database finds due deadlines: it must be the partial index, never a scan."""
    sql = "SELECT id FROM aftersales_deadline WHERE state = 'open' AND due_at <= %s ORDER BY due_at LIMIT %s"
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, [timezone.now(), BATCH])
        for row in cursor.fetchall():
            print(f"  plan: {row[-1]}")


def passes() -> tuple[float, float, float]:
    """Sweep until nothing is due: (median pass of a full batch, slowest pass, total time).

    Also prints the median CPU time of this process per pass: on a machine shared with other work the
    wall time includes waiting for a core (for SQLite the CPU time covers the database work too)."""
    sweeper = DeadlineSweeper()
    times, cpu = [], []
    while True:
        started, started_cpu = time.perf_counter(), time.process_time()
        handled = sweeper.run_once(timezone.now(), BATCH)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if handled < BATCH:
            break
    full = times[:-1] or times
    assert len(full) >= PASSES, f"only {len(full)} full passes: raise DUE or lower BATCH"
    print(f"  median CPU time of this process per pass: {statistics.median(cpu[:-1] or cpu) * 1000:.0f} ms")
    return statistics.median(full), max(times), sum(times)


def main() -> None:
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    large = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
    print(f"database: {connection.vendor}")
    seed(small, 0)
    plan()
    base, base_worst, base_total = passes()
    print(
        f"  {small:,} open: pass of {BATCH} median {base * 1000:.0f} ms, slowest {base_worst * 1000:.0f} ms; "
        f"{DUE:,} due cleared in {base_total:.2f} s"
    )
    seed(large, small)
    assert Deadline.objects.filter(state="open", due_at__lte=timezone.now()).count() == DUE
    assert Deadline.objects.filter(state="open").count() >= large
    plan()
    big, big_worst, big_total = passes()
    print(
        f"  {large:,} open: pass of {BATCH} median {big * 1000:.0f} ms, slowest {big_worst * 1000:.0f} ms; "
        f"{DUE:,} due cleared in {big_total:.2f} s"
    )
    print(
        f"RESULT sweep pass ({BATCH} due) at {large:,} open, {connection.vendor}: {big * 1000:.0f} ms "
        f"(slowest {big_worst * 1000:.0f} ms); baseline at {small:,} open: {base * 1000:.0f} ms; "
        f"ratio {big / base:.2f}"
    )
    print(
        f"RESULT clear all {DUE:,} due at {large:,} open, {connection.vendor}: {big_total:.2f} s; "
        f"baseline at {small:,}: {base_total:.2f} s; ratio {big_total / base_total:.2f}"
    )


if __name__ == "__main__":
    main()

"""One pass of the after-sales deadline sweeper with many open cases, few of them due.

Seeds 100,000 open cases (10,000 overdue) directly, times sweeper passes, then grows the table to
1,000,000 open cases (again 10,000 overdue) and times the same passes. The 100,000 figure is the
baseline: the ratio shows whether the cost stays flat as open cases grow. Also times draining all
10,000 due deadlines.

Run against a throw-away database:
  TRUSTDESK_DEBUG=true TRUSTDESK_VAR_DIR=$(mktemp -d) \
    .venv/bin/python bench/bench_sweep.py [small] [large] [due]
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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from trustdesk.aftersales import loadfixture  # noqa: E402
from trustdesk.aftersales.models import Deadline  # noqa: E402
from trustdesk.aftersales.sweeper import DeadlineSweeper  # noqa: E402

DUE = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
BATCH = 200
PASSES = 5


def seed(total_open: int, already: int) -> None:
    started = time.perf_counter()
    loadfixture.seed(open_cases=total_open - already - DUE, due=0, tag="bench")
    loadfixture.seed(open_cases=DUE, due=DUE, tag="bench")
    print(
        f"  seeded {total_open - already:,} open cases in {time.perf_counter() - started:.0f} s", flush=True
    )


def passes() -> float:
    sweeper = DeadlineSweeper()
    times = []
    for _ in range(PASSES):
        started = time.perf_counter()
        handled = sweeper.run_once(timezone.now(), BATCH)
        times.append(time.perf_counter() - started)
        assert handled == BATCH, handled
    return statistics.median(times)


def drain() -> float:
    sweeper = DeadlineSweeper()
    started = time.perf_counter()
    while sweeper.run_once(timezone.now(), 1000):
        pass
    return time.perf_counter() - started


def main() -> None:
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    large = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
    print(f"database: {connection.vendor}")
    seed(small, 0)
    base = passes()
    rest = drain()
    print(f"  {small:,} open: pass of {BATCH} = {base * 1000:.0f} ms; other due drained in {rest:.1f} s")
    seed(large, small)
    assert Deadline.objects.filter(state="open").count() >= large - PASSES * BATCH - DUE
    big = passes()
    rest_big = drain()
    print(f"  {large:,} open: pass of {BATCH} = {big * 1000:.0f} ms; rest drained in {rest_big:.1f} s")
    print(
        f"RESULT sweep pass ({BATCH} due) at {large:,} open, {connection.vendor}: {big * 1000:.0f} ms; "
        f"baseline at {small:,} open: {base * 1000:.0f} ms; ratio {big / base:.2f}"
    )
    drained_big, drained_small = rest_big + PASSES * big, rest + PASSES * base
    print(
        f"RESULT drain {DUE:,} due at {large:,} open, {connection.vendor}: {drained_big:.1f} s; "
        f"baseline at {small:,}: {drained_small:.1f} s; ratio {drained_big / drained_small:.2f}"
    )


if __name__ == "__main__":
    main()

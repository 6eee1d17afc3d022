"""`trustdesk risk recount`: how fast the stored events of the windows are counted into Redis again
after it lost them, against deciding the same events in batches of 500 (the baseline, measured in the
same run); how fast a second recount finds everything already counted; and the worker's sweeper doing
the same after another loss, pass by pass.

Events follow bench/risk_common.py's mix, spread over the last seven days, decided by 30 active rules.

Needs Redis; against a throw-away database and Redis database (both are emptied):
  TRUSTDESK_DEBUG=true TRUSTDESK_VAR_DIR=$(mktemp -d) REDIS_URL=redis://127.0.0.1:6379/9 \
      .venv/bin/python bench/bench_risk_recount.py [events]
(set DATABASE_URL to a scratch PostgreSQL database to measure PostgreSQL).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
os.environ.setdefault("TRUSTDESK_CACHE_PREFIX", "bench-recount")
import django

django.setup()
sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from risk_common import add_rules, event_body, reset_risk_tables  # noqa: E402

from trustdesk.core.actors import Actor  # noqa: E402
from trustdesk.risk import decisions  # noqa: E402
from trustdesk.risk.events import validate_batch  # noqa: E402
from trustdesk.risk.features import backend  # noqa: E402
from trustdesk.risk.recount import recount, sweep  # noqa: E402

settings.DEBUG = False


def timed(work):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    if not settings.REDIS_URL:
        raise SystemExit("bench_risk_recount needs Redis: set REDIS_URL")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    call_command("migrate", verbosity=0)
    reset_risk_tables()
    backend().clear()
    add_rules()
    rng = random.Random(11)
    now = timezone.now()
    batches = []
    for start in range(0, count, 500):
        bodies = [
            event_body(start + i, rng, "rc", at=now - timedelta(seconds=rng.randint(0, 7 * 86400)))
            for i in range(min(500, count - start))
        ]
        events, errors = validate_batch({"events": bodies})
        assert not errors, errors[:1]
        batches.append(events)
    print(
        f"database: {connection.vendor}; {count:,} events over the last 7 days; "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )

    _, decide_wall, decide_cpu = timed(lambda: [decisions.decide(b) for b in batches])
    backend().clear()  # Redis lost its counters
    bench = Actor.system("bench")
    first, recount_wall, recount_cpu = timed(lambda: recount(actor=bench))
    again, again_wall, _ = timed(lambda: recount(actor=bench))
    assert first.counted == count and again.counted == 0, (first, again)
    backend().clear()  # lost again: this time the worker's sweeper recounts, 10,000 events a pass

    def worker_passes() -> int:
        passes = 0
        while sweep(timezone.now(), 200):
            passes += 1
        return passes

    passes, sweep_wall, sweep_cpu = timed(worker_passes)

    def line(label: str, wall: float, cpu: float | None = None) -> float:
        rate = count / wall
        spent = f"; this process's CPU {cpu / count * 1e6:.0f} µs an event" if cpu is not None else ""
        print(f"{label:<52} {rate:>9,.0f} events/s{spent}")
        return rate

    baseline = line("baseline: decide() in batches of 500, with Redis", decide_wall, decide_cpu)
    rate = line("recount after Redis lost every counter", recount_wall, recount_cpu)
    second = line("recount again (every event already counted)", again_wall)
    line(f"the worker's sweeper after another loss ({passes} passes)", sweep_wall, sweep_cpu)
    print(f"recount / deciding the same events: {rate / baseline:.2f}×; second / first: {second / rate:.2f}×")
    print(f"a day of 1,000,000 events × 7 days recounted at this rate: {7_000_000 / rate / 60:.0f} min")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Full decide() including the feature update, per process: database backend, Redis backend, and the
naive way (ORM COUNT queries over the event table per feature) as the baseline in the same run; then
the flat-cost check — p99 with many stored events against p99 with few.

Events follow bench/risk_common.py's mix (logins, orders, payments, a few refunds and messages) and
are decided by 30 active rules. decide() is measured one event per call (each its own transaction)
and in batches of 500 (as the batch API calls it).

History is what a marketplace accumulates at a steady pace: the small history's events lie within the
last 30 days, and those of its last 8 days also feed the counters of both backends (through the
backends themselves; older counters are pruned by housekeeping, or expire in Redis). The large history
is the same small history, stored again from scratch, and the rest of the million *before* those 30
days (up to 400 days back), so both runs see the same recent traffic and only the amount of stored
history differs — which is what "cost per event must not grow with history" is about. (The events the
small runs decide, all within the last hour, are removed before the large runs, which otherwise
decided against a last hour already holding those 20,000 events.)

Runs with DEBUG off, as a worker does in production (DEBUG formats and keeps every SQL statement).

Run against a throw-away database:
  TRUSTDESK_DEBUG=true TRUSTDESK_VAR_DIR=$(mktemp -d) REDIS_URL=redis://127.0.0.1:6379/9 \
      .venv/bin/python bench/bench_risk_decide.py [events] [small-history] [large-history]
(set DATABASE_URL to a scratch PostgreSQL database to measure PostgreSQL).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
os.environ.setdefault("TRUSTDESK_CACHE_PREFIX", "bench-decide")
import django

django.setup()
sys.path.insert(0, str(Path(__file__).resolve().parent))

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from risk_common import add_rules, analyse, event_body, percentile, reset_risk_tables  # noqa: E402

from trustdesk.risk import decisions, features, ruleset  # noqa: E402
from trustdesk.risk.engine import NO_LISTS  # noqa: E402
from trustdesk.risk.events import Event, validate_one  # noqa: E402
from trustdesk.risk.features.base import FEATURES  # noqa: E402
from trustdesk.risk.history import month_of  # noqa: E402
from trustdesk.risk.models import RiskEvent, naming  # noqa: E402

settings.DEBUG = False

NOW = timezone.now()
COUNTED_DAYS = 8


def make_event(i: int, rng: random.Random, prefix: str, at=None) -> Event:
    event = validate_one(event_body(i, rng, prefix, at))
    assert isinstance(event, Event), event
    return event


def store_history(count: int, start: int, days: tuple[int, int] = (0, 30)) -> None:
    """`count` stored events between `days` ago; those of the last 8 days also feed the counters
    of both backends, through the backends themselves."""
    rng = random.Random(start)
    batch: list[decisions.Decided] = []
    recent: list[Event] = []
    for i in range(start, start + count):
        e = make_event(i, rng, "h", NOW - timedelta(seconds=rng.randint(days[0] * 86400, days[1] * 86400)))
        batch.append(
            decisions.Decided(
                event_id=e.id,
                type=e.type,
                occurred_at=e.occurred_at,
                received_at=NOW,
                attrs={},
                features={},
                decision="allow",
                score=0.0,
                reasons=[],
                rule_hits=[],
                shadow_hits=[],
                model_version=None,
                user=e.user,
                device=e.device,
                ip=e.ip,
                payment_fingerprint=e.payment_fingerprint,
                address=e.address,
                merchant=e.merchant,
                order=e.order,
                amount=e.amount_exact,
            )
        )
        if e.occurred_at >= NOW - timedelta(days=COUNTED_DAYS):
            recent.append(e)
        if len(batch) == 5000:
            _flush(batch, recent)
            batch, recent = [], []
    _flush(batch, recent)


def _flush(batch: list[decisions.Decided], recent: list[Event]) -> None:
    with transaction.atomic():
        decisions.insert(batch)
        for backend in backends():
            backend.apply_batch(recent)


def backends() -> list:
    found = [features._backend_for("")]
    if os.environ.get("REDIS_URL"):
        found.append(features._backend_for(os.environ["REDIS_URL"]))
    return found


def naive_features(event: Event) -> dict[str, float]:
    """What a first version would do: COUNT over the event table per feature and window."""
    values: dict[str, float] = {}
    for spec in FEATURES:
        if not all(getattr(event, p) for p in spec.entity):
            values[spec.name] = 0
            continue
        # naming(): in the form that reaches the entity indexes (led by the month, most of them
        # partial), so the baseline keeps its indexes.
        since = event.occurred_at - timedelta(seconds=spec.seconds)
        months = list(range(month_of(since), month_of(event.occurred_at) + 1))
        rows = RiskEvent.objects.filter(
            *(naming(p, getattr(event, p), months) for p in spec.entity), occurred_at__gte=since
        )
        if spec.types != {"*"}:
            rows = rows.filter(type__in=spec.types)
        if spec.agg == "distinct":
            values[spec.name] = rows.values(spec.of).distinct().count()
        elif spec.agg == "sum":
            values[spec.name] = float(sum(r or 0 for r in rows.values_list("amount", flat=True)))
        else:
            values[spec.name] = rows.count()
    return values


def naive_decide(event: Event) -> None:
    with transaction.atomic():
        feats = naive_features(event)
        hour = timezone.localtime(event.occurred_at).hour
        ctx = decisions._context(
            event, hour, feats, dict(NO_LISTS), {"credit_score": 700, "credit_tier": "good"}
        )
        verdict = ruleset.current_engine().decide(ctx)
        RiskEvent.objects.create(
            event_id=event.id,
            type=event.type,
            occurred_at=event.occurred_at,
            user=event.user,
            device=event.device,
            ip=event.ip,
            payment_fingerprint=event.payment_fingerprint,
            address=event.address,
            merchant=event.merchant,
            order=event.order,
            amount=event.amount,
            features=feats,
            decision=verdict.decision,
            score=verdict.score,
        )


def log_written() -> int:
    """Bytes written to the database's log so far: PostgreSQL's WAL position, SQLite's log pages since
    the log last started over (times the page size). Unlike the time, what a batch writes does not
    depend on what else the machine is doing."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
            return int(cursor.fetchone()[0])
        cursor.execute("PRAGMA page_size")
        page = cursor.fetchone()[0]
    return connection.log_index.pages_written() * page if connection.log_index else 0


def measure(label: str, fn, items, per_call: int = 1, logged: list[int] | None = None) -> tuple[float, float]:
    """Rate and p99 of fn over items; with `logged`, also what each call wrote to the log (a call
    during which SQLite's log started over is left out)."""
    latencies = []
    start = time.perf_counter()
    for item in items:
        before = log_written() if logged is not None else 0
        t0 = time.perf_counter()
        fn(item)
        latencies.append(time.perf_counter() - t0)
        if logged is not None and (after := log_written()) >= before:
            logged.append(after - before)
    elapsed = time.perf_counter() - start
    latencies.sort()
    rate = len(items) * per_call / elapsed
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    unit = "per event" if per_call == 1 else f"per batch of {per_call}"
    print(f"{label:<60} {rate:>8,.0f} events/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms ({unit})")
    return rate, p99


def use_backend(name: str) -> None:
    settings.REDIS_URL = os.environ.get("REDIS_URL", "") if name == "redis" else ""


# Bytes each Redis batch wrote to the database's log, by history size.
LOGGED: dict[str, list[int]] = {}


def decide_runs(names: list[str], n: int, rng: random.Random, tag: str) -> dict[str, tuple[float, float]]:
    results = {}
    for name in names:
        use_backend(name)
        singles = [make_event(i, rng, f"{name}-{tag}-1") for i in range(n)]
        results[f"{name} single"] = measure(
            f"decide() one event per call [{name}], {tag}", lambda e: decisions.decide([e]), singles
        )
        events = [make_event(i, rng, f"{name}-{tag}-b") for i in range(n)]
        batches = [events[i : i + 500] for i in range(0, len(events), 500)]
        logged = LOGGED.setdefault(tag, []) if name == "redis" else None
        results[f"{name} batch"] = measure(
            f"decide() batches of 500 [{name}], {tag}", decisions.decide, batches, per_call=500, logged=logged
        )
        if logged:
            print(f"  log written per batch [{name}], {tag}: median {statistics.median(logged) / 1e6:.2f} MB")
    return results


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    small = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    large = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    names = ["database", "redis"] if os.environ.get("REDIS_URL") else ["database"]
    call_command("migrate", verbosity=0)
    reset_risk_tables()
    for backend in backends():
        backend.clear()
    add_rules()
    print(
        f"database: {connection.vendor}; {n} events per run; 30 active rules; "
        f"load average before: {os.getloadavg()[0]:.2f}"
    )
    store_history(small, 0)
    analyse()
    rng = random.Random(9)
    at_small = decide_runs(names, n, rng, f"{small:,} stored")
    use_backend("database")
    naive_events = [make_event(i, rng, "naive-small") for i in range(max(500, n // 5))]
    naive = measure(f"baseline: naive ORM COUNTs, {small:,} stored", naive_decide, naive_events)
    for key, (rate, _) in at_small.items():
        print(f"speed-up of decide() {key} over the naive way: {rate / naive[0]:.1f}×")
    print(f"storing history up to {large:,} events …", flush=True)
    started = time.perf_counter()
    reset_risk_tables()
    for backend in backends():
        backend.clear()
    store_history(small, 0)
    store_history(large - small, small + 10 * n, days=(30, 400))
    analyse()
    print(f"… stored and analysed in {time.perf_counter() - started:.0f} s", flush=True)
    at_large = decide_runs(names, n, rng, f"{large:,} stored")
    for key in at_small:
        ratio = at_large[key][1] / at_small[key][1]
        print(f"flat cost, decide() {key}: p99 at {large:,} / p99 at {small:,} = {ratio:.2f} (target ≤ 1.2)")
    small_log, large_log = LOGGED.get(f"{small:,} stored"), LOGGED.get(f"{large:,} stored")
    if small_log and large_log:
        ratio = statistics.median(large_log) / statistics.median(small_log)
        print(f"log written per Redis batch: median at {large:,} / median at {small:,} = {ratio:.2f}")
    use_backend("database")
    naive_more = [make_event(i, rng, "naive-large") for i in range(len(naive_events))]
    naive_large = measure(f"baseline: naive ORM COUNTs, {large:,} stored", naive_decide, naive_more)
    print(f"naive way: p99 ratio {naive_large[1] / naive[1]:.2f}; speed-up of decide() at {large:,}:")
    for key, (rate, _) in at_large.items():
        print(f"  {key}: {rate / naive_large[0]:.1f}×")
    decided = RiskEvent.objects.exclude(event_id__startswith="h-")
    mix = {d: decided.filter(decision=d).count() for d in ("allow", "review", "block")}
    print(f"decisions made: {mix}; load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

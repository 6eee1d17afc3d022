"""Full decide() including the feature update, per process: database backend, Redis backend, and the
naive way (ORM COUNT queries over the event table per feature) as the baseline in the same run; then
the flat-cost check — p99 with many stored events against p99 with few.

Run against a throw-away database:
  TRUSTDESK_DEBUG=true TRUSTDESK_VAR_DIR=$(mktemp -d) REDIS_URL=redis://127.0.0.1:6379/9 \
      .venv/bin/python bench/bench_risk_decide.py [events] [small-history] [large-history]
(set DATABASE_URL to a scratch PostgreSQL database to measure PostgreSQL).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from trustdesk.risk import decisions, features, ruleset  # noqa: E402
from trustdesk.risk.engine import NO_LISTS  # noqa: E402
from trustdesk.risk.events import Event  # noqa: E402
from trustdesk.risk.features.base import FEATURES  # noqa: E402
from trustdesk.risk.models import RiskEvent, Rule  # noqa: E402

NOW = timezone.now()
TYPES = ["order.created", "payment.attempted", "payment.failed", "login.succeeded", "refund.requested"]


def make_event(i: int, rng: random.Random, prefix: str) -> Event:
    return Event(
        id=f"{prefix}-{i}",
        type=rng.choice(TYPES),
        occurred_at=NOW - timedelta(seconds=rng.randint(0, 3600)),
        user=f"u{rng.randint(0, 20_000)}",
        device=f"d{rng.randint(0, 15_000)}",
        ip=f"10.0.{rng.randint(0, 255)}.{rng.randint(0, 255)}",
        payment_fingerprint=f"c{rng.randint(0, 15_000)}",
        address=f"a{rng.randint(0, 15_000)}",
        merchant=f"m{rng.randint(0, 300)}",
        order=f"o{i}",
        amount=round(rng.random() * 1000, 2),
    )


def store_history(count: int, start: int) -> None:
    rng = random.Random(start)
    batch = []
    for i in range(start, start + count):
        e = make_event(i, rng, "h")
        e.occurred_at = NOW - timedelta(seconds=rng.randint(0, 30 * 86400))
        batch.append(
            RiskEvent(
                event_id=e.id,
                type=e.type,
                occurred_at=e.occurred_at,
                user=e.user,
                device=e.device,
                ip=e.ip,
                payment_fingerprint=e.payment_fingerprint,
                address=e.address,
                merchant=e.merchant,
                order=e.order,
                amount=e.amount,
                decision="allow",
            )
        )
        if len(batch) == 5000:
            RiskEvent.objects.bulk_create(batch)
            batch = []
    RiskEvent.objects.bulk_create(batch)


def naive_features(event: Event) -> dict[str, float]:
    """What a first version would do: COUNT over the event table per feature and window."""
    values: dict[str, float] = {}
    for spec in FEATURES:
        if not all(getattr(event, p) for p in spec.entity):
            values[spec.name] = 0
            continue
        rows = RiskEvent.objects.filter(
            occurred_at__gte=event.occurred_at - timedelta(seconds=spec.seconds),
            **{p: getattr(event, p) for p in spec.entity},
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
        ctx = decisions._context(event, feats, dict(NO_LISTS), {"credit_score": 700, "credit_tier": "good"})
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


def measure(label: str, fn, events) -> tuple[float, float]:
    latencies = []
    start = time.perf_counter()
    for event in events:
        t0 = time.perf_counter()
        fn(event)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    latencies.sort()
    rate, p99 = len(events) / elapsed, latencies[int(len(latencies) * 0.99) - 1] * 1000
    p50 = latencies[len(latencies) // 2] * 1000
    print(f"{label:<52} {rate:>8,.0f} events/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
    return rate, p99


def use_backend(redis_url: str) -> str:
    settings.REDIS_URL = redis_url
    features._backend_for.cache_clear()
    backend = features.backend()
    backend.clear()
    return backend.name


def add_rules() -> None:
    from trustdesk.core.actors import Actor

    actor = Actor.system("bench")
    if Rule.objects.exists():
        return
    for i in range(30):
        version = ruleset.do_save_version(
            actor=actor,
            name=f"r{i}",
            condition=f"event.amount > {100 + i}.0 && features.user_orders_1h >= {i % 5 + 2}",
            action="review",
            reason=f"rule {i}",
        )
        ruleset.do_set_mode(version, "active", actor=actor)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    small = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    large = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    redis_url = os.environ.get("REDIS_URL", "")
    call_command("migrate", verbosity=0)
    RiskEvent.objects.all().delete()
    add_rules()
    print(f"database: {connection.vendor}; {n} events per run; 30 active rules")
    store_history(small, 0)
    rng = random.Random(9)
    results = {}
    for name in ["database", "redis"] if redis_url else ["database"]:
        use_backend(redis_url if name == "redis" else "")
        events = [make_event(i, rng, f"{name}-small") for i in range(n)]
        results[name] = measure(
            f"decide() [{name} features], {small:,} stored", lambda e: decisions.decide([e]), events
        )
    use_backend("")
    naive_events = [make_event(i, rng, "naive-small") for i in range(max(500, n // 5))]
    naive = measure(f"baseline: naive ORM COUNTs, {small:,} stored", naive_decide, naive_events)
    for name, (rate, _) in results.items():
        print(f"speed-up of decide() [{name}] over the naive way: {rate / naive[0]:.1f}×")
    best = "redis" if redis_url else "database"
    print(f"storing history up to {large:,} events …", flush=True)
    store_history(large - RiskEvent.objects.count(), small + 10 * n)
    use_backend(redis_url if best == "redis" else "")
    events = [make_event(i, rng, f"{best}-large") for i in range(n)]
    _, p99_large = measure(
        f"decide() [{best} features], {large:,} stored", lambda e: decisions.decide([e]), events
    )
    ratio = p99_large / results[best][1]
    print(f"flat cost: p99 with {large:,} / p99 with {small:,} = {ratio:.2f} (target ≤ 1.2)")
    naive_more = [make_event(i, rng, "naive-large") for i in range(len(naive_events))]
    naive_large = measure(f"baseline: naive ORM COUNTs, {large:,} stored", naive_decide, naive_more)
    print(f"naive way: p99 ratio {naive_large[1] / naive[1]:.2f}")


if __name__ == "__main__":
    main()

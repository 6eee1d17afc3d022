"""Engine core in-process: 30 active CEL rules and a model score over 12 already-fetched features.

Prints events/s and latency percentiles for trustdesk's compiled rules, and, as the baseline in the
same run, the same 30 rules evaluated one by one with the CEL library's own interpreter.
Run: TRUSTDESK_DEBUG=true .venv/bin/python bench/bench_risk_engine.py [events]
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
import django

django.setup()

import cel  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier  # noqa: E402

from trustdesk.risk import ml  # noqa: E402
from trustdesk.risk.engine import NO_LISTS, Engine, RuleMeta  # noqa: E402
from trustdesk.risk.features.base import empty_features  # noqa: E402
from trustdesk.risk.models import RiskModel  # noqa: E402

TEMPLATES = [
    "event.amount > {a}.0 && features.user_orders_1h >= {n}",
    "features.card_failures_10m >= {n} && event.type == 'payment.failed'",
    "features.device_users_24h > {n} || lists.device_blocked",
    "event.type == 'order.created' && features.address_users_7d >= {n} && event.amount >= {a}.0",
    "features.user_refunds_7d >= {n} && shopper.credit_tier != 'excellent'",
    "model.score > 0.{n}5 && event.amount > {a}.0",
    "event.ip.startsWith('10.{n}.') && features.ip_users_1h > {n}",
    "features.user_amount_24h > {a}0.0 && features.user_orders_24h > {n}",
    "event.user in ['u-{n}', 'u-{a}', 'mule-{n}'] || event.device == 'bad-{n}'",
    "features.user_device_events_7d == 1 && features.user_account_changes_24h >= {n}",
]


def rules() -> list[tuple[RuleMeta, str]]:
    out = []
    for i in range(30):
        source = TEMPLATES[i % len(TEMPLATES)].format(n=i % 7 + 1, a=100 + 37 * i)
        out.append((RuleMeta(i, f"r{i}@v1", ("review", "block", "allow")[i % 3], f"rule {i}"), source))
    return out


def model() -> RiskModel:
    rng = random.Random(1)
    xs = [[rng.random() * 10 for _ in range(12)] for _ in range(3000)]
    ys = [int(x[0] + x[3] + rng.random() * 4 > 12) for x in xs]
    fitted = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=1).fit(xs, ys)
    return RiskModel(version=1, features=[n for n, _ in ml.MODEL_FEATURES], trees=ml._export(fitted))


def contexts(n: int) -> list[dict]:
    rng = random.Random(2)
    out = []
    for i in range(n):
        features = {k: rng.randint(0, 6) for k in empty_features()}
        features["user_amount_24h"] = rng.random() * 5000
        out.append(
            {
                "event": {
                    "type": rng.choice(["order.created", "payment.failed", "login.succeeded"]),
                    "user": f"u-{rng.randint(0, 500)}",
                    "device": f"d-{i % 900}",
                    "ip": f"10.{rng.randint(0, 9)}.0.{i % 250}",
                    "amount": rng.random() * 3000,
                    "payment_fingerprint": "",
                    "address": "",
                    "email": "",
                    "merchant": "m",
                    "order": "",
                    "listing": "",
                    "previous_amount": 0.0,
                    "currency": "CNY",
                    "change": "",
                    "message_verdict": "",
                    "hour": i % 24,
                },
                "features": features,
                "lists": dict(NO_LISTS),
                "shopper": {"credit_score": 700, "credit_tier": "good"},
            }
        )
    return out


def measure(label: str, fn, items) -> tuple[float, float]:
    latencies = []
    clock = time.perf_counter
    start = clock()
    for item in items:
        t0 = clock()
        fn(item)
        latencies.append(clock() - t0)
    elapsed = clock() - start
    latencies.sort()
    rate = len(items) / elapsed
    p50 = statistics.median(latencies) * 1e6
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1e6
    print(f"{label:<44} {rate:>10,.0f} events/s   p50 {p50:7.1f} µs   p99 {p99:7.1f} µs")
    return rate, p99


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    engine = Engine(rules(), (), ml.compile_model(model()), 1)
    items = contexts(n)
    for ctx in items[:2000]:
        engine.decide(ctx)  # warm-up
    fast, p99 = measure("compiled rules + compiled model", engine.decide, items)
    programs = [cel.compile(src) for _, src in rules()]
    scorer = engine.scorer

    def reference(ctx: dict) -> None:
        ctx["model"] = {"score": scorer(ctx)}
        for program in programs:
            # A failing rule is not a hit, as in the engine.
            with contextlib.suppress(Exception):
                program.execute(ctx)

    slow, _ = measure("baseline: CEL library, rule by rule", reference, items[: max(2000, n // 20)])
    print(f"speed-up over the CEL library's interpreter: {fast / slow:.1f}×")
    print(
        f"target ≥ 20,000 events/s and p99 ≤ 1 ms: {'met' if fast >= 20_000 and p99 <= 1000 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

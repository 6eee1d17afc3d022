"""Velocity features: the same behaviour from the database backend and the Redis backend."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from conftest import skip_or_fail
from django.conf import settings
from django.utils import timezone
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.risk.events import Event
from trustdesk.risk.features.db import DatabaseBackend
from trustdesk.risk.models import FeatureCounter


def _redis_backend():
    url = settings.REDIS_URL or os.environ.get("TRUSTDESK_TEST_REDIS_URL", "")
    if not url:
        # The PostgreSQL + Redis run covers this backend; the SQLite run has no Redis by design.
        pytest.skip("Redis backend: runs when REDIS_URL (or TRUSTDESK_TEST_REDIS_URL) is set")
    from trustdesk.risk.features.redis import RedisBackend

    try:
        RedisBackend(url, prefix="").client.ping()
    except Exception:
        skip_or_fail(f"Redis at {url} does not answer")

    backend = RedisBackend(url, prefix=f"{settings.CACHE_KEY_PREFIX}:risk-test:")
    backend.clear()
    return backend


@pytest.fixture(params=["database", "redis"])
def features(request, db):
    backend = DatabaseBackend() if request.param == "database" else _redis_backend()
    yield backend
    backend.clear()


NOW = timezone.now().replace(microsecond=0)


def ev(i: int, kind: str = "order.created", at=None, **fields) -> Event:
    base = {"user": "u1", "merchant": "m1", "order": f"o{i}", "amount": 10.0}
    return Event(id=f"e{i}-{kind}", type=kind, occurred_at=at or NOW, **{**base, **fields})


def test_counts_and_sums_accumulate_per_entity(features):
    for i in range(3):
        values = features.apply(ev(i, amount=25.5), True)
    assert values["user_orders_1h"] == 3
    assert values["user_amount_24h"] == 76.5
    assert values["merchant_orders_10m"] == 3
    other = features.apply(ev(9, user="u2"), True)
    assert other["user_orders_1h"] == 1 and other["merchant_orders_10m"] == 4


def test_events_outside_a_window_are_not_counted(features):
    features.apply(ev(1, at=NOW - timedelta(hours=3)), True)
    values = features.apply(ev(2), True)
    assert values["user_orders_1h"] == 1
    assert values["user_orders_24h"] == 2


def test_distinct_counts_count_each_member_once(features):
    for i, user in enumerate(["a", "b", "a", "c"]):
        values = features.apply(ev(i, kind="login.succeeded", user=user, device="d1"), True)
    assert values["device_users_24h"] == 3


def test_a_composite_entity_tells_a_new_device(features):
    assert features.apply(ev(1, kind="login.succeeded", device="d1"), True)["user_device_events_7d"] == 1
    assert features.apply(ev(2, kind="login.succeeded", device="d1"), True)["user_device_events_7d"] == 2
    assert features.apply(ev(3, kind="login.succeeded", device="d2"), True)["user_device_events_7d"] == 1


def test_a_repeated_event_reads_without_counting(features):
    features.apply(ev(1), True)
    assert features.apply(ev(1), False)["user_orders_1h"] == 1


def test_event_types_only_feed_their_own_features(features):
    values = features.apply(ev(1, kind="payment.failed", payment_fingerprint="card-1"), True)
    assert values["card_failures_10m"] == 1 and values["card_attempts_10m"] == 1
    assert values["user_orders_1h"] == 0


def test_database_counters_are_bucketed_and_pruned(db):
    backend = DatabaseBackend()
    for i in range(50):
        backend.apply(ev(i), True)
    # 50 events in one moment: one row per (feature key, bucket), not per event.
    assert FeatureCounter.objects.count() == 5
    later = int((NOW + timedelta(days=9)).timestamp())
    assert backend.prune(later) >= 5
    assert not FeatureCounter.objects.exists()


def test_both_backends_agree_on_counts_and_sums_over_days_of_batched_traffic(db):
    """Windows sliding over three days, events out of order by up to eight minutes (less than the
    shortest window, the lateness the Redis hashes keep buckets for), batches larger than one Redis
    script call: the Redis hashes give what the database's bucket rows give, event by event."""
    import random

    from trustdesk.risk.features.base import FEATURES

    redis_backend = _redis_backend()
    database = DatabaseBackend()
    rng = random.Random(7)
    start = NOW - timedelta(days=3)
    stream = []
    for i in range(600):
        jitter = timedelta(minutes=rng.randrange(-4, 5))
        at = start + timedelta(minutes=7 * i) + jitter
        kind = rng.choice(["order.created", "order.created", "payment.failed", "login.failed"])
        user = rng.choice(["u1", "u2", "u3"])
        stream.append(ev(i, kind=kind, at=at, user=user, payment_fingerprint="card-1", ip="10.0.0.1"))
    plain = [f.name for f in FEATURES if f.agg != "distinct"]
    try:
        for first in range(0, len(stream), 250):
            batch = stream[first : first + 250]
            from_redis = list(redis_backend.apply_batch(batch))
            from_database = list(database.apply_batch(batch))
            for event, got, expected in zip(batch, from_redis, from_database, strict=True):
                assert {n: got[n] for n in plain} == {n: expected[n] for n in plain}, event.id
    finally:
        redis_backend.clear()
    assert max(v["user_orders_24h"] for v in from_database) > 5


def test_counter_keys_stay_what_stored_counters_are_named():
    """A counter's key names it in the database and in Redis: derived differently, every live
    counter would be orphaned and the features would start again from zero."""
    from trustdesk.risk.features.base import touches

    keys = {t.spec.name: t.key for t in touches(ev(1, device="d1"))}
    assert keys["user_orders_1h"] == "03d5da768d18892c8f4ac0acc6c7ce61"
    assert keys["user_device_events_7d"] == "4cb458663189ab2acbebee8ddbdac964"

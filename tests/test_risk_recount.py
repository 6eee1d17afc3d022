"""`trustdesk risk recount`: the stored events counted into Redis's velocity counters again after Redis
lost them, each event once, however often it runs and while events keep arriving."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from conftest import skip_or_fail
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.audit.models import AuditEvent
from trustdesk.core.actors import Actor
from trustdesk.risk import decisions
from trustdesk.risk.events import Event, validate_batch
from trustdesk.risk.features import backend
from trustdesk.risk.features.base import FEATURE_NAMES
from trustdesk.risk.models import Alert
from trustdesk.risk.recount import HORIZON, MARK, recount, stored_since, sweep

NOW = timezone.now().replace(microsecond=0)
OPERATOR = Actor.system("tests")


@pytest.fixture
def on_redis(settings, db):
    url = os.environ.get("REDIS_URL") or os.environ.get("TRUSTDESK_TEST_REDIS_URL", "")
    if not url:
        # As for the feature backends' tests: the PostgreSQL + Redis run covers Redis.
        pytest.skip("Redis backend: runs when REDIS_URL (or TRUSTDESK_TEST_REDIS_URL) is set")
    settings.REDIS_URL = url
    try:
        backend().client.ping()
    except Exception:
        skip_or_fail(f"Redis at {url} does not answer")
    backend().clear()
    yield backend()
    backend().clear()


def traffic(prefix: str, count: int, start=None, span=None) -> list[Event]:
    """Orders, payments and logins of a few shoppers on shared devices, cards and merchants, spread
    over `span` from `start` (by default the last six days, so every window has some), validated as
    the API validates them."""
    start = start or NOW - timedelta(days=6)
    step = (span or NOW - start) / count
    raw = []
    for i in range(count):
        kind = ("order.created", "payment.attempted", "payment.failed", "login.succeeded", "login.failed")[
            i % 5
        ]
        body = {
            "id": f"{prefix}-{i}",
            "type": kind,
            "occurred_at": (start + step * i).isoformat(),
            "user": f"u{i % 4}",
            "device": f"d{i % 3}",
            "ip": f"10.0.0.{i % 6}",
        }
        if kind == "order.created":
            body.update(order=f"o{i}", merchant="m1", amount=f"{10 + i}.50", shipping_address="1 Road")
        elif kind.startswith("payment."):
            body.update(order=f"o{i}", amount=f"{10 + i}.50", payment_fingerprint=f"c{i % 2}")
        raw.append(body)
    events, errors = validate_batch({"events": raw})
    assert not errors
    return events


def seen_by(probes: list[Event]) -> list[dict[str, float]]:
    """What each probe's features are. The probes are stored events, already counted, so Redis
    answers without counting them again."""
    return [backend().apply(probe, False) for probe in probes]


def test_a_recount_restores_every_feature_redis_lost(on_redis):
    events = traffic("a", 60)
    decisions.decide(events)
    probes = [events[-1], events[-2], events[-3], events[-7]]
    before = seen_by(probes)
    assert any(v > 1 for values in before for v in values.values()), "the traffic must build up counts"

    on_redis.clear()  # Redis restarted empty
    done = recount(actor=OPERATOR)
    assert (done.read, done.counted) == (60, 60)
    assert seen_by(probes) == before
    assert set(before[0]) == set(FEATURE_NAMES)


def test_a_second_recount_counts_nothing_again(on_redis):
    events = traffic("b", 30)
    decisions.decide(events)
    on_redis.clear()
    recount(actor=OPERATOR)
    after_first = seen_by(events[-3:])
    again = recount(actor=OPERATOR)
    assert (again.read, again.counted) == (30, 0)
    assert seen_by(events[-3:]) == after_first


def test_events_decided_after_the_loss_are_counted_once(on_redis):
    """Traffic goes on while Redis is empty and while the recount runs: what Redis counted live is
    skipped by the recount, so the counts end as if nothing had been lost."""
    older, newer = (
        traffic("c", 40, start=NOW - timedelta(days=2)),
        traffic("n", 20, start=NOW - timedelta(hours=1)),
    )
    decisions.decide(older)
    decisions.decide(newer)
    # Probes of the last minutes: what the next events will see. (A probe of an hour ago could differ:
    # Redis drops a counter's buckets two windows older than the newest update, in whatever order
    # the updates came.)
    probes = [newer[-1], newer[-2], newer[-4]]
    control = seen_by(probes)

    on_redis.clear()
    decisions.decide(older)  # resent: answered from storage, not counted
    replayed = newer[:10]
    for event in replayed:
        backend().forget_seen(event.id)
    # Ten of the newer events counted again live after the loss (as if they had arrived now).
    list(backend().apply_batch(replayed))
    done = recount(actor=OPERATOR)
    assert done.read == 60 and done.counted == 50
    assert seen_by(probes) == control


def test_events_older_than_every_window_are_not_read(on_redis):
    old = traffic("old", 5, start=NOW - HORIZON - timedelta(days=2), span=timedelta(days=1))
    recent = traffic("r", 5, start=NOW - timedelta(hours=2))
    decisions.decide(old + recent)
    on_redis.clear()
    done = recount(actor=OPERATOR, now=NOW)
    assert (done.read, done.counted) == (5, 5)


def test_pages_of_events_at_the_same_time_miss_and_repeat_none(db):
    same_time = [
        Event(id=f"t-{i}", type="login.succeeded", occurred_at=NOW - timedelta(minutes=5), user=f"u{i}")
        for i in range(11)
    ]
    decisions.decide(same_time)
    read = [event.id for page, _ in stored_since(NOW - timedelta(hours=1), page=3) for event in page]
    assert sorted(read) == sorted(e.id for e in same_time)
    assert len(read) == len(set(read))


def test_the_command_reports_what_it_counted(on_redis, capsys):
    decisions.decide(traffic("cli", 12))
    on_redis.clear()
    call_command("risk", "recount")
    out = capsys.readouterr().out
    assert "12 stored events since" in out and "12 counted now, 0 already counted" in out
    audited = AuditEvent.objects.get(action="risk.counters.recount")
    assert audited.actor_label == "cli" and audited.details["counted"] == 12


def test_on_the_database_backend_the_command_refuses_in_one_line(settings, db):
    settings.REDIS_URL = ""
    with pytest.raises(CommandError) as refused:
        call_command("risk", "recount")
    assert "counters are in the database" in str(refused.value)
    assert "\n" not in str(refused.value)


# ---- the worker's recount: on its own after a loss, pass after pass, taken over when a worker dies ----


def a_live_event(i: int = 0) -> None:
    """An event arriving after the loss, of entities the probes do not share."""
    decisions.decide(
        [Event(id=f"live-{i}", type="login.succeeded", occurred_at=NOW, user=f"zz{i}", ip="10.9.9.9")]
    )


def worker_pass(batch: int = 200) -> str:
    from io import StringIO

    out = StringIO()
    call_command("worker", "--once", "--only", "risk-recount", "--batch", str(batch), stdout=out)
    return out.getvalue().strip()


def test_after_a_loss_a_worker_recounts_by_itself_and_tells_the_console(on_redis, staff_client):
    events = traffic("w", 80)
    decisions.decide(events)
    probes = [events[-1], events[-2], events[-3]]
    control = seen_by(probes)

    on_redis.clear()
    a_live_event()
    assert on_redis.client.get(on_redis.key(MARK)) is None
    assert worker_pass() == "handled risk-recount=81"
    assert seen_by(probes) == control
    [alert] = Alert.objects.filter(kind="counters_recounted")
    assert alert.evidence["events_read"] == 81 and alert.evidence["events_recounted"] == 80
    assert on_redis.client.get(on_redis.key(MARK)).startswith(b"counted:")
    assert worker_pass() == "handled risk-recount=0"
    analyst = staff_client("analyst")
    page = analyst.get("/risk/alerts/").content.decode()
    assert "Velocity counters lost and recounted" in page and "events_recounted" in page
    analyst.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "速度计数器丢失后已重新计数" in analyst.get("/risk/alerts/").content.decode()


def test_a_recount_goes_on_pass_after_pass_and_past_a_killed_worker(on_redis):
    events = traffic("p", 120)
    decisions.decide(events)
    probes = [events[-1], events[-2]]
    control = seen_by(probes)
    on_redis.clear()
    a_live_event()

    assert sweep(NOW, 1) == 50  # a pass reads 50 events per row it would claim
    # A worker takes the lease and is killed: until the lease expires, no other worker starts.
    on_redis.client.set(on_redis.key("recount-lease"), "dead-worker", ex=120)
    assert sweep(NOW, 1) == 0
    on_redis.client.delete(on_redis.key("recount-lease"))  # expired
    assert sweep(NOW, 1) == 50
    assert sweep(NOW, 1) == 21  # the rest, and the live event
    assert sweep(NOW, 1) == 0
    assert seen_by(probes) == control
    assert Alert.objects.get(kind="counters_recounted").evidence["events_recounted"] == 120


def test_a_loss_during_a_recount_starts_it_over(on_redis):
    events = traffic("o", 100)
    decisions.decide(events)
    probes = [events[-1], events[-4]]
    control = seen_by(probes)
    on_redis.clear()
    a_live_event(1)
    assert sweep(NOW, 1) == 50

    on_redis.clear()  # lost again, with the recount's own state
    a_live_event(2)
    passes = [sweep(NOW, 1) for _ in range(4)]
    assert passes == [50, 50, 2, 0]
    assert seen_by(probes) == control
    # One alert, for the loss that was recounted to the end.
    [alert] = Alert.objects.filter(kind="counters_recounted")
    assert alert.evidence["events_recounted"] == 101


def test_nothing_missing_raises_no_alert(on_redis):
    """A Redis that never lost anything but has no mark yet (a new install, or one upgraded to the
    mark) is recounted once, finds every event counted, and says nothing."""
    decisions.decide(traffic("n", 20))
    assert worker_pass() == "handled risk-recount=20"
    assert not Alert.objects.filter(kind="counters_recounted").exists()
    assert on_redis.client.get(on_redis.key(MARK)).startswith(b"counted:")

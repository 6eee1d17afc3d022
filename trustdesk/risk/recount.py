"""Counting the stored events into Redis's velocity counters again.

Redis holds the counters in memory. After it lost them (restarted without persistence, failed over
to an empty replica, flushed), or when an install that counted in the database starts using Redis,
its counters hold none of the last seven days' events: every velocity rule sees too little and lets
through what it should hold, until the windows fill again a week later. The events themselves are
stored, so their counts can be made again.

Each stored event of the longest window (and one bucket more) is counted in time order, unless Redis
already counted it: the same seen-mark that keeps a resent event from counting twice. So a recount
can run while events keep arriving (an event decided during it is either not stored yet, and not
read, or marked seen, and skipped), can be stopped and run again, and counts nothing twice.

The database backend needs none of this: its counters commit in the transaction of the events they
count, so they cannot lose events the database kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.db.models import Q
from django.utils import timezone

from trustdesk.audit.services import record
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict
from trustdesk.risk import alerts
from trustdesk.risk.events import Event
from trustdesk.risk.features import backend
from trustdesk.risk.features.base import BUCKETS_PER_WINDOW, WINDOWS
from trustdesk.risk.features.redis import RedisBackend
from trustdesk.risk.models import ENTITY_COLUMNS, Alert, AlertKind, RiskEvent

# The longest window and one bucket of it: an event older than that is in no window any more.
HORIZON = timedelta(seconds=max(WINDOWS.values()) * (BUCKETS_PER_WINDOW + 1) // BUCKETS_PER_WINDOW)
PAGE = 2000
# What a counter needs of a stored event; text and attributes play no part in counting.
_COLUMNS = ("id", "event_id", "type", "occurred_at", "amount", *ENTITY_COLUMNS)


class NothingToRecount(Conflict):
    code = "nothing_to_recount"


@dataclass(frozen=True)
class Recounted:
    since: datetime
    read: int
    counted: int


# Keys beside the counters (RedisBackend.key). MARK: "counted:<time>" once the stored events were
# counted into this Redis; a worker finding no mark (a Redis that restarted empty or was flushed, or
# one never recounted) sets it to "lost:<time>" and recounts. Nothing on the path of an event reads
# or writes it.
# STATE: the recount under way, so that it goes on pass after pass and from worker to worker. LEASE:
# the worker recounting now; it expires, so a killed worker's recount is taken over by another.
MARK, STATE, LEASE = "counting", "recount", "recount-lease"
LEASE_SECONDS = 120
# Events a worker pass recounts per row it would claim: a pass of the default 200 reads 10,000
# (about a second), then lets the other sweepers and a stop signal in.
EVENTS_PER_CLAIM = 50
_SETTLE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def stored_since(
    since: datetime, page: int = PAGE, after: tuple[datetime, int] | None = None
) -> Iterator[tuple[list[Event], tuple[datetime, int]]]:
    """The stored events from `since` on in time order, a page at a time, each page with where the
    next one starts (keyset pages on the time index, so a page costs the same however far in it is)."""
    while True:
        rows = RiskEvent.objects.filter(occurred_at__gte=since)
        if after is not None:
            rows = rows.filter(Q(occurred_at__gt=after[0]) | Q(occurred_at=after[0], id__gt=after[1]))
        found = list(rows.order_by("occurred_at", "id").values_list(*_COLUMNS)[:page])
        if not found:
            return
        after = (found[-1][3], found[-1][0])
        yield [_event(row) for row in found], after


def _event(row: tuple) -> Event:
    _, event_id, kind, at, amount, *entities = row
    named = dict(zip(ENTITY_COLUMNS, entities, strict=True))
    return Event(
        id=event_id, type=kind, occurred_at=at, amount=float(amount or 0), amount_exact=amount, **named
    )


def _mark(features: RedisBackend) -> bytes | None:
    return cast(bytes | None, features.client.get(features.key(MARK)))


def _redis() -> RedisBackend:
    features = backend()
    if not isinstance(features, RedisBackend):
        raise NothingToRecount(
            "the counters are in the database, written with the events they count: none can be missing"
        )
    return features


def recount(
    *, actor: Actor, now: datetime | None = None, progress: Callable[[Recounted], None] | None = None
) -> Recounted:
    """Count every stored event of the windows that Redis has not counted, in this process (an
    operator's command, audited); `progress` is told after each page. Settles a loss the worker has
    not recounted yet."""
    features = _redis()
    now = now or timezone.now()
    mark = _mark(features)
    since = now - HORIZON
    read = counted = 0
    for events, _ in stored_since(since):
        read += len(events)
        counted += features.recount(events)
        if progress is not None:
            progress(Recounted(since, read, counted))
    done = Recounted(since, read, counted)
    if mark is not None and mark.startswith(b"lost:"):
        _settle(features, mark, done, now, timezone.now())
    record(
        actor,
        "risk.counters.recount",
        target_type="redis",
        details={"since": since.isoformat(timespec="seconds"), "read": read, "counted": counted},
    )
    return done


def sweep(now: datetime, batch_size: int) -> int:
    """One worker pass of the recount a loss calls for: started or gone on with where the last pass
    (of any worker) stopped, up to `batch_size × EVENTS_PER_CLAIM` events. Returns the events read."""
    features = backend()
    if not isinstance(features, RedisBackend):
        return 0
    client = features.client
    client.set(features.key(MARK), f"lost:{now.timestamp():.6f}", nx=True)
    mark = _mark(features)
    if mark is None or not mark.startswith(b"lost:"):
        return 0
    lease = secrets.token_hex(8)
    if not client.set(features.key(LEASE), lease, nx=True, ex=LEASE_SECONDS):
        return 0  # another worker is recounting
    try:
        return _go_on(features, mark, now, budget=max(1, batch_size) * EVENTS_PER_CLAIM)
    finally:
        client.eval(_RELEASE, 1, features.key(LEASE), lease)


def _go_on(features: RedisBackend, mark: bytes, now: datetime, *, budget: int) -> int:
    client, state_key = features.client, features.key(STATE)
    stored = cast(dict[bytes, bytes], client.hgetall(state_key))
    state = {k.decode(): v.decode() for k, v in stored.items()}
    if state.get("mark") != mark.decode():
        # A new loss (or Redis lost the recount's own state with the counters): start over.
        state = {"mark": mark.decode(), "since": (now - HORIZON).isoformat(), "started": now.isoformat()}
        state.update(read="0", counted="0", after_at="", after_id="0")
        client.delete(state_key)
        _save(features, state)
    since = datetime.fromisoformat(state["since"])
    start = (datetime.fromisoformat(state["after_at"]), int(state["after_id"])) if state["after_at"] else None
    read, counted, this_pass = int(state["read"]), int(state["counted"]), 0
    for events, (last_at, last_id) in stored_since(since, page=min(PAGE, budget), after=start):
        counted += features.recount(events)
        read += len(events)
        this_pass += len(events)
        progress: dict[str, str | int] = {
            "after_at": last_at.isoformat(),
            "after_id": last_id,
            "read": read,
            "counted": counted,
        }
        _save(features, progress)
        client.expire(features.key(LEASE), LEASE_SECONDS)
        if this_pass >= budget:
            return this_pass
    _settle(
        features,
        mark,
        Recounted(since, read, counted),
        datetime.fromisoformat(state["started"]),
        timezone.now(),
    )
    client.delete(state_key)
    return this_pass


def _save(features: RedisBackend, fields: dict[str, str] | dict[str, str | int]) -> None:
    # Cast: redis-py's stubs want a mapping keyed by the union of every key type it takes, and a
    # dict's key type cannot widen to it.
    features.client.hset(features.key(STATE), mapping=cast(Any, fields))


def _settle(
    features: RedisBackend, mark: bytes, done: Recounted, started: datetime, finished: datetime
) -> None:
    """Mark the loss recounted, unless Redis lost its counters again meanwhile (the mark changed, and
    that loss is still to recount); and tell the console when events had been missing."""
    settled = features.client.eval(
        _SETTLE, 1, features.key(MARK), mark, f"counted:{finished.timestamp():.6f}"
    )
    if settled and done.counted:
        lost_at = datetime.fromtimestamp(float(mark.decode().split(":", 1)[1]), tz=UTC)
        alerts.store(
            [
                Alert(
                    kind=AlertKind.COUNTERS_RECOUNTED,
                    subject="redis",
                    evidence={
                        "lost_before": lost_at.isoformat(timespec="seconds"),
                        "recounted_since": done.since.isoformat(timespec="seconds"),
                        "events_read": done.read,
                        "events_recounted": done.counted,
                        "seconds": round((finished - started).total_seconds(), 1),
                    },
                    dedupe_key=f"counters_recounted:{mark.decode()}",
                    raised_at=finished,
                )
            ]
        )

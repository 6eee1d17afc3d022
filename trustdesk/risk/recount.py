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

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from trustdesk.core.errors import Conflict
from trustdesk.risk.events import Event
from trustdesk.risk.features import backend
from trustdesk.risk.features.base import BUCKETS_PER_WINDOW, WINDOWS
from trustdesk.risk.features.redis import RedisBackend
from trustdesk.risk.models import RiskEvent

# The longest window and one bucket of it: an event older than that is in no window any more.
HORIZON = timedelta(seconds=max(WINDOWS.values()) * (BUCKETS_PER_WINDOW + 1) // BUCKETS_PER_WINDOW)
PAGE = 2000
# What a counter needs of a stored event; text and attributes play no part in counting.
_COLUMNS = (
    "id",
    "event_id",
    "type",
    "occurred_at",
    "user",
    "device",
    "ip",
    "payment_fingerprint",
    "address",
    "email",
    "merchant",
    "order",
    "listing",
    "amount",
)


class NothingToRecount(Conflict):
    code = "nothing_to_recount"


@dataclass(frozen=True)
class Recounted:
    since: datetime
    read: int
    counted: int


def stored_since(since: datetime, page: int = PAGE) -> Iterator[list[Event]]:
    """The stored events from `since` on in time order, a page at a time (keyset pages on the time
    index, so a page costs the same however far in it is)."""
    after: tuple[datetime, int] | None = None
    while True:
        rows = RiskEvent.objects.filter(occurred_at__gte=since)
        if after is not None:
            rows = rows.filter(Q(occurred_at__gt=after[0]) | Q(occurred_at=after[0], id__gt=after[1]))
        found = list(rows.order_by("occurred_at", "id").values_list(*_COLUMNS)[:page])
        if not found:
            return
        yield [_event(row) for row in found]
        last = found[-1]
        after = (last[3], last[0])


def _event(row: tuple) -> Event:
    (_, event_id, kind, at, user, device, ip, card, address, email, merchant, order, listing, amount) = row
    return Event(
        id=event_id,
        type=kind,
        occurred_at=at,
        user=user,
        device=device,
        ip=ip,
        payment_fingerprint=card,
        address=address,
        email=email,
        merchant=merchant,
        order=order,
        listing=listing,
        amount=float(amount or 0),
        amount_exact=amount,
    )


def recount(*, now: datetime | None = None, progress: Callable[[Recounted], None] | None = None) -> Recounted:
    """Count every stored event of the windows that Redis has not counted; `progress` is told after
    each page."""
    features = backend()
    if not isinstance(features, RedisBackend):
        raise NothingToRecount(
            "the counters are in the database, written with the events they count: none can be missing"
        )
    since = (now or timezone.now()) - HORIZON
    read = counted = 0
    for events in stored_since(since):
        read += len(events)
        counted += features.recount(events)
        if progress is not None:
            progress(Recounted(since, read, counted))
    return Recounted(since, read, counted)

"""The months of stored risk events, which lead the event table's entity indexes.

Each index by entity (user, device, IP, card, address, merchant, order) is led by the event's month,
so a new event's entries go into the current month's part of each index, whatever history lies
before it: with the entity first, each event of a batch landed on an index page of its own once the
indexes were large, and storing a batch cost more the more history was stored (decision 0006). A
read by entity names the months it looks in; `stored_months` gives every month that holds events,
so such reads still reach all of history.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection


def month_of(moment: datetime) -> int:
    """Months since January 1970, in UTC: the value of an event's `month` column."""
    at = moment.astimezone(UTC)
    return (at.year - 1970) * 12 + at.month - 1


def stored_months() -> list[int]:
    """Every month from the earliest stored event's to the latest's: two reads of an index's ends,
    since every entity index is led by the month. (Apart: SQLite reads one end of an index for a
    query's MIN() or MAX() only when it asks for just one of them; together it scanned the index.)"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MIN(month) FROM risk_riskevent), (SELECT MAX(month) FROM risk_riskevent)"
        )
        first, last = cursor.fetchone()
    return [] if first is None else list(range(first, last + 1))


def within(months: list[int], *, since: datetime | None = None, until: datetime | None = None) -> list[int]:
    """The months of `months` that can hold events from `since` to `until` (either end open)."""
    first = month_of(since) if since is not None else None
    last = month_of(until) if until is not None else None
    return [m for m in months if (first is None or m >= first) and (last is None or m <= last)]

"""The database feature backend: bucketed counter rows, upserted and summed with one statement each.

Call inside the transaction that stores the event, so a rolled-back event leaves no count behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from trustdesk.risk.features.base import BUCKETS_PER_WINDOW, WINDOWS, Touch, empty_features, touches
from trustdesk.risk.models import FeatureCounter, FeatureDistinct

if TYPE_CHECKING:
    from trustdesk.risk.events import Event

_UPSERT = (
    "INSERT INTO risk_featurecounter (key, bucket, count, total) VALUES (%s, %s, 1, %s) "
    "ON CONFLICT (key, bucket) DO UPDATE SET count = risk_featurecounter.count + 1, "
    "total = risk_featurecounter.total + excluded.total"
)
_ADD_MEMBER = (
    "INSERT INTO risk_featuredistinct (key, bucket, member) VALUES (%s, %s, %s) "
    "ON CONFLICT (key, bucket, member) DO NOTHING"
)


class DatabaseBackend:
    name = "database"

    def apply(self, event: Event, first_time: bool) -> dict[str, float]:
        found = touches(event)
        with connection.cursor() as cursor:
            if first_time:
                self._update(cursor, found)
            return self._read(cursor, found)

    def apply_batch(self, events: Sequence[Event]) -> list[dict[str, float]]:
        return [self.apply(event, True) for event in events]

    def _update(self, cursor: Any, found: list[Touch]) -> None:
        counts = [(t.key, t.bucket, t.value) for t in found if t.update and t.spec.agg != "distinct"]
        members = [(t.key, t.bucket, t.member) for t in found if t.update and t.spec.agg == "distinct"]
        if counts:
            cursor.executemany(_UPSERT, counts)
        if members:
            cursor.executemany(_ADD_MEMBER, members)

    def _read(self, cursor: Any, found: list[Touch]) -> dict[str, float]:
        values = empty_features()
        plain = [t for t in found if t.spec.agg != "distinct"]
        distinct = [t for t in found if t.spec.agg == "distinct"]
        if plain:
            where = " OR ".join(["(key = %s AND bucket >= %s)"] * len(plain))
            params = [p for t in plain for p in (t.key, t.oldest)]
            cursor.execute(
                f"SELECT key, SUM(count), SUM(total) FROM risk_featurecounter WHERE {where} GROUP BY key",  # noqa: S608
                params,
            )
            sums = {key: (int(count), float(total)) for key, count, total in cursor.fetchall()}
            for t in plain:
                count, total = sums.get(t.key, (0, 0.0))
                values[t.spec.name] = round(total, 2) if t.spec.agg == "sum" else count
        if distinct:
            where = " OR ".join(["(key = %s AND bucket >= %s)"] * len(distinct))
            params = [p for t in distinct for p in (t.key, t.oldest)]
            cursor.execute(
                f"SELECT key, COUNT(DISTINCT member) FROM risk_featuredistinct WHERE {where} GROUP BY key",  # noqa: S608
                params,
            )
            counted = dict(cursor.fetchall())
            for t in distinct:
                values[t.spec.name] = int(counted.get(t.key, 0))
        return values

    def prune(self, now_epoch: int) -> int:
        horizon = now_epoch - max(WINDOWS.values()) * (BUCKETS_PER_WINDOW + 1) // BUCKETS_PER_WINDOW
        gone, _ = FeatureCounter.objects.filter(bucket__lt=horizon).delete()
        gone_members, _ = FeatureDistinct.objects.filter(bucket__lt=horizon).delete()
        return gone + gone_members

    def clear(self) -> None:
        FeatureCounter.objects.all().delete()
        FeatureDistinct.objects.all().delete()

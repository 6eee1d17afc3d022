"""When people shop: daily and weekly rhythms, slow growth, and the sales festivals (618, 双11, 双12).

Order times are drawn hour by hour in local time with these weights, so the charts of a demo show the
evening peak, busier weekends and the 双11 spike that staff would expect to see.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import accumulate

# Local hour of day 0..23: a midnight tail, a dead early morning, lunch break and the evening peak.
HOUR_WEIGHTS = (
    0.9, 0.5, 0.25, 0.15, 0.1, 0.1, 0.2, 0.5, 0.9, 1.2, 1.4, 1.4,
    1.6, 1.4, 1.2, 1.2, 1.2, 1.1, 1.2, 1.5, 1.9, 2.2, 2.1, 1.5,
)  # fmt: skip
WEEKDAY_WEIGHTS = (0.94, 0.92, 0.95, 0.98, 1.05, 1.16, 1.12)  # Monday first
GROWTH = 0.3  # the marketplace grows by this share over the simulated period


@dataclass(frozen=True)
class Festival:
    name: str
    month: int
    day: int
    peak: float  # orders on the day, relative to an ordinary day
    warm_up_days: int  # pre-sale period, when prices drop and baskets fill
    warm_up: float

    def date_in(self, year: int) -> date:
        return date(year, self.month, self.day)


FESTIVALS = (
    Festival("618", 6, 18, 3.0, 17, 1.35),
    Festival("双11", 11, 11, 7.0, 10, 1.6),
    Festival("双12", 12, 12, 2.5, 3, 1.2),
)


def day_weight(day: date) -> float:
    weight = WEEKDAY_WEIGHTS[day.weekday()]
    for festival in FESTIVALS:
        peak = festival.date_in(day.year)
        if day == peak:
            return weight * festival.peak
        if peak - timedelta(days=festival.warm_up_days) <= day < peak:
            weight *= festival.warm_up
        elif day == peak + timedelta(days=1):
            weight *= 1 + (festival.peak - 1) / 4
    return weight


def _is_festival_day(day: date) -> bool:
    return any(day == f.date_in(day.year) for f in FESTIVALS)


def order_times(
    rng: random.Random, start: datetime, until: datetime, count: int, tz: tzinfo
) -> list[datetime]:
    """`count` sorted, timezone-aware order times in [start, until)."""
    first = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    hours = max(1, int((until - first).total_seconds() // 3600))
    slots = [first + timedelta(hours=h) for h in range(hours)]
    weights = []
    for index, slot in enumerate(slots):
        local = slot.astimezone(tz)
        hour_weight = HOUR_WEIGHTS[local.hour]
        # Festival sales open at midnight, and the first hour is the busiest of the year.
        if local.hour == 0 and _is_festival_day(local.date()):
            hour_weight *= 6
        weights.append(day_weight(local.date()) * hour_weight * (1 + GROWTH * index / hours))
    cumulative = list(accumulate(weights))
    picked = rng.choices(slots, cum_weights=cumulative, k=count)
    times = [slot + timedelta(seconds=rng.uniform(0, 3599)) for slot in picked]
    return sorted(min(t, until - timedelta(seconds=1)) for t in times)


def festivals_between(start: datetime, until: datetime, tz: tzinfo) -> list[tuple[Festival, date]]:
    found = []
    for year in range(start.astimezone(tz).year, until.astimezone(tz).year + 1):
        for festival in FESTIVALS:
            day = festival.date_in(year)
            if start.astimezone(tz).date() <= day <= until.astimezone(tz).date():
                found.append((festival, day))
    return found


def local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)

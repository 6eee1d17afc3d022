"""Counting SLA minutes on a team's calendar.

Round-the-clock teams count every minute. Other teams count only their business hours on workdays that
are not holidays, in the team's own time zone; a request that arrives at night starts counting at the
next opening.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from trustdesk.aftersales.models import Team

DEFAULT_WORKDAYS = [1, 2, 3, 4, 5]


def _as_time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _open_on(team: Team, day: date) -> bool:
    return day.isoweekday() in (team.workdays or DEFAULT_WORKDAYS) and day.isoformat() not in (
        team.holidays or []
    )


def add_service_minutes(team: Team, start: datetime, minutes: int) -> datetime:
    """The moment `minutes` of the team's service time have passed after `start`."""
    if team.round_the_clock:
        return start + timedelta(minutes=minutes)
    zone = ZoneInfo(team.time_zone)
    opens, closes = _as_time(team.workday_start), _as_time(team.workday_end)
    cursor = start.astimezone(zone)
    left = timedelta(minutes=minutes)
    for _day in range(3660):  # ten years of closed days would be a misconfigured team
        day = cursor.date()
        window_start = datetime.combine(day, opens, zone)
        window_end = datetime.combine(day, closes, zone)
        if _open_on(team, day) and cursor < window_end:
            begin = max(cursor, window_start)
            if begin + left <= window_end:
                return begin + left
            left -= window_end - begin
        cursor = datetime.combine(day + timedelta(days=1), time(0), zone)
    raise ValueError(f"team {team.code} has no service hours: check its workdays and holidays")

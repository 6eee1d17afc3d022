"""The event's month, which leads the entity indexes: stored right, filled right by the migration, and
read across every stored month by the reads by entity."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta, timezone

from django.db import connection
from django.utils import timezone as django_timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.risk.history import month_of, stored_months, within
from trustdesk.risk.models import Alert, RiskEvent

_MIGRATION = importlib.import_module("trustdesk.risk.migrations.0006_month_led_entity_indexes")


def login(event_id: str, user: str, device: str, at: datetime) -> dict[str, str]:
    return {
        "id": event_id,
        "type": "login.succeeded",
        "user": user,
        "device": device,
        "occurred_at": at.isoformat(),
    }


def test_an_events_month_is_its_month_in_utc(api):
    """An event's month is taken in UTC, whatever offset the marketplace sent its time with."""
    shanghai, new_york = timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))
    # 1 December 01:00 in Shanghai is still 30 November in UTC; 30 November 20:00 in New York is
    # already 1 December.
    api.post("/events", login("m-sh", "u", "d", datetime(2026, 12, 1, 1, 0, tzinfo=shanghai)))
    api.post("/events", login("m-ny", "u", "d", datetime(2026, 11, 30, 20, 0, tzinfo=new_york)))
    months = dict(RiskEvent.objects.values_list("event_id", "month"))
    november_2026 = (2026 - 1970) * 12 + 10
    assert months == {"m-sh": november_2026, "m-ny": november_2026 + 1}
    assert stored_months() == [november_2026, november_2026 + 1]


def test_stored_months_span_from_the_earliest_event_to_the_latest(api):
    assert stored_months() == []
    now = django_timezone.now()
    api.post("/events", login("sm-old", "u", "d", now - timedelta(days=400)))
    api.post("/events", login("sm-ahead", "u", "d", now + timedelta(days=45)))
    months = stored_months()
    assert months == list(range(month_of(now - timedelta(days=400)), month_of(now + timedelta(days=45)) + 1))
    assert within(months, since=now) == [m for m in months if m >= month_of(now)]
    assert within(months, until=now - timedelta(days=400)) == [months[0]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.datetimes(
            min_value=datetime(1971, 1, 1), max_value=datetime(2199, 12, 31), timezones=st.just(UTC)
        ),
        min_size=1,
        max_size=5,
    ),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
def test_the_migration_fills_in_the_month_the_code_computes(db, moments, offset_minutes):
    """Events stored before the month column are given, by the migration's statement, the month that
    new events are stored with."""
    RiskEvent.objects.all().delete()
    offset = timezone(timedelta(minutes=offset_minutes))
    for i, moment in enumerate(moments):
        RiskEvent.objects.create(
            event_id=f"fill-{i}",
            type="login.succeeded",
            occurred_at=moment.astimezone(offset),
            decision="allow",
        )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE risk_riskevent SET month = 0")
        cursor.execute(_MIGRATION._FILL[connection.vendor])
    stored = dict(RiskEvent.objects.values_list("event_id", "month"))
    assert stored == {f"fill-{i}": month_of(moment) for i, moment in enumerate(moments)}


def test_a_device_first_seen_months_ago_is_not_new(api):
    """The takeover alert's 'new device' looks back through every stored month: a device the user
    has had since last year does not make a credential and address change a takeover."""
    now = django_timezone.now()
    api.post("/events", login("tk-0", "loyal", "old-phone", now - timedelta(days=300)))
    api.post("/events", login("tk-1", "loyal", "laptop", now - timedelta(days=200)))
    api.post("/events", login("tk-2", "loyal", "old-phone", now - timedelta(minutes=5)))
    for i, change in enumerate(("password", "address")):
        body = {"id": f"tk-c{i}", "type": "account.changed", "user": "loyal", "device": "old-phone"}
        assert api.post("/events", {**body, "change": change})[0] == 200
    assert not Alert.objects.filter(kind="account_takeover").exists()

    # The same changes from a device first seen today, after months of other devices, are one.
    api.post("/events", login("tk-3", "loyal", "strange-phone", now - timedelta(minutes=2)))
    for i, change in enumerate(("password", "address")):
        body = {"id": f"tk-n{i}", "type": "account.changed", "user": "loyal", "device": "strange-phone"}
        assert api.post("/events", {**body, "change": change})[0] == 200
    assert Alert.objects.get(kind="account_takeover").evidence["device"] == "strange-phone"

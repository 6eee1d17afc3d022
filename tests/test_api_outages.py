"""A store the API needs does not answer: 503 with Retry-After and a machine-readable code, nothing of
the request stored, and the same request sent again later decided as if the outage had not been."""

from __future__ import annotations

import os
import threading

import pytest
from conftest import skip_or_fail
from django.db import connection
from risk_fixtures import order

from trustdesk.risk.features import backend
from trustdesk.risk.models import RiskEvent

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def post_raw(api, body):
    response = api.client.post(
        "/api/v1/events", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.bearer}"
    )
    return response


def test_events_while_redis_is_down_get_503_and_nothing_is_stored(api, settings, caplog):
    settings.REDIS_URL = NOWHERE
    single = post_raw(api, order("down-1"))
    batch = post_raw(api, {"events": [order(f"down-b{i}") for i in range(3)]})
    for response in (single, batch):
        assert response.status_code == 503
        assert response["Retry-After"] == "1"
        body = response.json()
        assert body["code"] == "counters_unavailable" and "send it again" in body["message"]
    assert not RiskEvent.objects.exists()
    # Logged for the operator by kind and path, without the request's data.
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "trustdesk.api")
    assert "counters_unavailable on POST /api/v1/events: ConnectionError" in logged
    assert "dev-1" not in logged


def test_the_same_batch_sent_again_once_redis_is_back_counts_each_event_once(api, settings):
    url = os.environ.get("REDIS_URL") or os.environ.get("TRUSTDESK_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis backend: runs when REDIS_URL (or TRUSTDESK_TEST_REDIS_URL) is set")
    batch = {"events": [order(f"again-{i}") for i in range(4)]}
    settings.REDIS_URL = NOWHERE
    assert post_raw(api, batch).status_code == 503
    settings.REDIS_URL = url
    backend().clear()
    try:
        status, body = api.post("/events", batch)
        assert status == 200, body
        counts = [RiskEvent.objects.get(event_id=f"again-{i}").features["user_orders_1h"] for i in range(4)]
        assert counts == [1, 2, 3, 4]
    finally:
        backend().clear()


@pytest.fixture
def table_held_by_another_connection(committing_db, api):
    """An API client, and the event table locked by another connection for the test's length: a
    database too busy to let the client's request write (or, on PostgreSQL, read) in time."""
    release, held = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    if connection.vendor == "postgresql":
        try:
            import psycopg
        except ImportError:  # pragma: no cover
            skip_or_fail("psycopg is not installed")
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("prepare_threshold", None)

        def hold() -> None:
            try:
                with psycopg.connect(**params) as other:
                    other.execute("LOCK TABLE risk_riskevent IN ACCESS EXCLUSIVE MODE")
                    held.set()
                    release.wait(30)
            except BaseException as exc:  # reported to the test below
                failure.append(exc)
                held.set()

        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        thread = threading.Thread(target=hold)
        thread.start()
        held.wait(10)
        assert not failure, failure
        yield api
        release.set()
        thread.join(10)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    else:
        import sqlite3

        # The tests' in-memory database is shared between the connections of this process.
        other = sqlite3.connect(connection.settings_dict["NAME"], uri=True, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        # A write takes the table's lock, which this in-memory database's other connections then meet.
        other.execute("UPDATE risk_riskevent SET type = type WHERE id < 0")
        try:
            yield api
        finally:
            other.rollback()
            other.close()


def test_a_database_too_busy_gets_503(table_held_by_another_connection):
    response = post_raw(table_held_by_another_connection, order("busy-1"))
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "1"
    assert response.json()["code"] == "database_unavailable"


def test_a_redis_that_hangs_costs_a_request_its_timeout_not_the_systems(api, settings):
    """A Redis that takes the connection and never answers (stalled, or a host gone silent)."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.REDIS_TIMEOUT = 0.3
        started = time.monotonic()
        response = post_raw(api, order("hung-1"))
        assert response.status_code == 503 and response.json()["code"] == "counters_unavailable"
        assert time.monotonic() - started < 3
        assert not RiskEvent.objects.exists()
    finally:
        silent.close()


def test_a_connection_redis_closed_is_replaced_without_failing_the_request(api, settings):
    """Redis restarted (or dropped idle clients): the pooled connection fails on first use, and the
    request goes on over a fresh one, counting each event once."""
    url = os.environ.get("REDIS_URL") or os.environ.get("TRUSTDESK_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis backend: runs when REDIS_URL (or TRUSTDESK_TEST_REDIS_URL) is set")
    import redis

    settings.REDIS_URL = url
    features = backend()
    features.clear()
    try:
        assert api.post("/events", order("before-1"))[0] == 200
        pool = features.client.connection_pool
        pooled = pool.get_connection()
        pooled.send_command("CLIENT", "ID")
        client_id = pooled.read_response()
        pool.release(pooled)
        redis.Redis.from_url(url).client_kill_filter(_id=client_id)

        status, body = api.post("/events", {"events": [order(f"after-{i}") for i in range(3)]})
        assert status == 200, body
        counts = [
            RiskEvent.objects.get(event_id=e).features["user_orders_1h"]
            for e in ("after-0", "after-1", "after-2")
        ]
        assert counts == [2, 3, 4]
    finally:
        features.clear()

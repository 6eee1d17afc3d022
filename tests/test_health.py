"""`GET /healthz`: 200 while the database (and Redis, when configured) answer, 503 naming the part that
does not; no login, nothing else in the answer."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client


def test_healthy_without_redis(db, settings):
    settings.REDIS_URL = ""
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert "no-cache" in response["Cache-Control"]


def test_healthy_with_redis(db, settings):
    url = os.environ.get("REDIS_URL") or os.environ.get("TRUSTDESK_TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis: runs when REDIS_URL (or TRUSTDESK_TEST_REDIS_URL) is set")
    settings.REDIS_URL = url
    assert Client().get("/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_a_redis_that_does_not_answer_takes_the_server_out_of_rotation(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="PostgreSQL's: an embedded SQLite database has no server to lose",
)
def test_a_database_that_ended_the_connection_takes_the_server_out_of_rotation(committing_db, settings):
    """PostgreSQL restarted (or an administrator ended the session): this process's connection is gone."""
    import psycopg
    from django.db import close_old_connections, connection

    settings.REDIS_URL = ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "redis": "not configured"}
    # A server drops a broken connection when the request ends (the test client leaves that out, so
    # it is done here as the server's handler does it): the next request connects afresh.
    close_old_connections()
    assert Client().get("/healthz").status_code == 200


def test_only_reads_are_answered(db):
    assert Client().post("/healthz").status_code == 405

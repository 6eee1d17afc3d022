"""`trustdesk serve` as an operator runs it: a real server process on a real port, in production
settings (DEBUG off), over a scratch SQLite file."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ROOT, run_cli
from cryptography.fernet import Fernet
from django.core.management.base import CommandError
from django.db import connections

from trustdesk.simulator.management.commands.serve import server_options, workers_per_core

pytestmark = pytest.mark.xdist_group("serve")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    var = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "TRUSTDESK_TESTING")}
    env.update(
        TRUSTDESK_DEBUG="false",
        TRUSTDESK_VAR_DIR=str(var),
        TRUSTDESK_SECRET_KEY=secrets.token_urlsafe(40),
        TRUSTDESK_PII_KEY=Fernet.generate_key().decode(),
        TRUSTDESK_PII_INDEX_KEY=secrets.token_urlsafe(32),
        TRUSTDESK_ALLOWED_HOSTS="127.0.0.1",
        TRUSTDESK_SECURE_COOKIES="false",
        # Two workers, not the default three a core: each takes a second of CPU to start, and the
        # suite's other half runs beside this one.
        TRUSTDESK_WEB_WORKERS="2",
    )
    run_cli(["migrate", "--noinput"], env)
    created = run_cli(["token", "create", "--name", "serve-test", "--scopes", "risk:events"], env)
    bearer = created.stdout.split()[-1]
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own command)
        [sys.executable, "-m", "trustdesk.cli", "serve", f"--bind=127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"`trustdesk serve` did not start: {process.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield port, bearer, process, var
    if process.poll() is None:
        # SIGTERM, so that `serve` stops its workers and decider; killed, it would leave them running.
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_serve_answers_the_console_its_static_files_and_the_api_over_one_kept_alive_connection(server):
    port, bearer, _process, _var = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/accounts/login/")
    page = connection.getresponse()
    html = page.read().decode()
    assert page.status == 200 and "<form" in html
    # The console's full stack: a CSRF cookie for the form, and the language negotiated.
    assert "csrftoken=" in (page.getheader("Set-Cookie") or "")
    assert page.getheader("Content-Language")
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', html)
    assert stylesheet, "the login page links no stylesheet"

    # The same connection again: the server keeps it open between requests.
    connection.request("GET", stylesheet.group(1))
    css = connection.getresponse()
    assert css.status == 200 and css.read()

    body = {"id": "serve-1", "type": "login.succeeded", "user": "u-1", "device": "d-1", "ip": "10.0.0.1"}
    decided = send_event(connection, bearer, body)
    answer = json.loads(decided.read())
    assert decided.status == 200 and answer["event_id"] == "serve-1" and answer["decision"] == "allow"
    # The API's own stack: the security headers, and no cookie or session machinery.
    assert decided.getheader("Content-Security-Policy") and decided.getheader("X-Frame-Options") == "DENY"
    assert decided.getheader("X-Content-Type-Options") == "nosniff"
    assert decided.getheader("Set-Cookie") is None and decided.getheader("Content-Language") is None

    connection.request("POST", "/api/v1/events", body="{}", headers={"Content-Type": "application/json"})
    refused = connection.getresponse()
    assert refused.status == 401 and "code" in json.loads(refused.read())
    connection.close()


def send_event(connection: http.client.HTTPConnection, bearer: str, body: dict) -> http.client.HTTPResponse:
    connection.request(
        "POST",
        "/api/v1/events",
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
    )
    return connection.getresponse()


def post_event(port: int, bearer: str, body: dict) -> tuple[int, dict]:
    """One event over a connection of its own: its status and answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    response = send_event(connection, bearer, body)
    answer = json.loads(response.read())
    connection.close()
    return response.status, answer


def decider_pids(serve: subprocess.Popen) -> set[int]:
    """The decider processes `trustdesk serve` started (its children running `decider`)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == serve.pid and b"decider" in command:
            found.add(int(entry))
    return found


def test_single_events_wait_for_the_decider_and_are_each_counted_once_in_order(server):
    port, bearer, process, var = server
    [decider] = decider_pids(process)
    count = 6

    def failed_payment(i: int) -> tuple[int, dict]:
        body = {
            "id": f"card-{i}",
            "type": "payment.failed",
            "user": f"u-{i}",
            "order": f"o-{i}",
            "amount": "10.00",
            "payment_fingerprint": "card-under-test",
        }
        return post_event(port, bearer, body)

    def stored() -> list[tuple[str, str]]:
        with sqlite3.connect(var / "trustdesk.sqlite3") as database:
            return database.execute(
                "SELECT features, received_at FROM risk_riskevent WHERE event_id LIKE 'card-%'"
            ).fetchall()

    # Paused, the decider holds every worker's event (that it groups them is tests/test_risk_decider.py's).
    os.kill(decider, signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(count) as pool:
            pending = [pool.submit(failed_payment, i) for i in range(count)]
            time.sleep(1.5)
            assert stored() == [], "a worker decided without waiting for the decider"
            os.kill(decider, signal.SIGCONT)
            answers = [p.result() for p in pending]
    finally:
        os.kill(decider, signal.SIGCONT)
    assert all(status == 200 for status, _ in answers), answers
    rows = stored()
    # Every event counted once, each seeing exactly the ones decided before it, as one by one.
    assert sorted(json.loads(features)["card_failures_10m"] for features, _ in rows) == list(
        range(1, count + 1)
    )


def test_a_killed_decider_costs_no_event_and_is_started_again(server):
    port, bearer, process, _var = server
    [first] = decider_pids(process)
    os.kill(first, signal.SIGKILL)
    body = {"id": "after-kill", "type": "login.failed", "user": "u-k", "ip": "10.0.0.9"}
    status, answer = post_event(port, bearer, body)
    assert status == 200 and answer["event_id"] == "after-kill"
    deadline = time.monotonic() + 20
    while not (decider_pids(process) - {first}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert decider_pids(process) - {first}, "the decider was not started again"
    assert post_event(port, bearer, {**body, "id": "after-restart"})[0] == 200
    # The event sent again gets its first answer.
    assert post_event(port, bearer, body) == (status, answer)


def test_serve_stops_cleanly_on_sigterm(server):
    _port, _bearer, process, _var = server
    deciders = decider_pids(process)
    assert deciders
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    # The decider went with it.
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in deciders) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in deciders)


def test_serve_sizes_itself_from_the_environment_and_refuses_a_bad_bind(monkeypatch):
    monkeypatch.setenv("TRUSTDESK_WEB_WORKERS", "3")
    monkeypatch.setenv("TRUSTDESK_WEB_THREADS", "8")
    options = server_options("10.1.2.3:9000")
    sizing = (options["address"], options["port"], options["workers"], options["blocking_threads"])
    assert sizing == ("10.1.2.3", 9000, 3, 8)
    assert server_options("[::]:8000")["address"] == "::"
    with pytest.raises(CommandError, match="ADDRESS:PORT"):
        server_options("localhost")
    monkeypatch.setenv("TRUSTDESK_WEB_WORKERS", "0")
    with pytest.raises(CommandError, match="at least 1"):
        server_options("127.0.0.1:8000")


def test_serve_runs_three_workers_a_core_beside_the_decider_two_on_postgresql_one_on_sqlite(
    monkeypatch, settings
):
    monkeypatch.delenv("TRUSTDESK_WEB_WORKERS", raising=False)
    cores = len(os.sched_getaffinity(0))
    postgresql = connections["default"].vendor == "postgresql"
    settings.RISK_DECIDER = True
    assert server_options("127.0.0.1:8000")["workers"] == 3 * cores
    settings.RISK_DECIDER = False
    assert server_options("127.0.0.1:8000")["workers"] == (2 if postgresql else 1) * cores
    assert workers_per_core(decider=False, postgresql=True) == 2
    assert workers_per_core(decider=False, postgresql=False) == 1
    assert workers_per_core(decider=True, postgresql=True) == 3


def test_the_decider_refuses_a_socket_it_cannot_create_in_one_line(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(TRUSTDESK_VAR_DIR=str(tmp_path), TRUSTDESK_DEBUG="true")
    result = run_cli(["decider", f"--socket={blocked}/decider.sock"], env, check=False)
    assert result.returncode != 0
    assert "cannot listen on" in result.stderr and "Traceback" not in result.stderr

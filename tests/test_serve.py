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
import subprocess
import sys
import time

import pytest
from conftest import ROOT, run_cli
from cryptography.fernet import Fernet
from django.core.management.base import CommandError

from trustdesk.simulator.management.commands.serve import server_options

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
    yield port, bearer, process
    if process.poll() is None:
        process.kill()
        process.wait(10)


def test_serve_answers_the_console_its_static_files_and_the_api_over_one_kept_alive_connection(server):
    port, bearer, _process = server
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
    connection.request(
        "POST",
        "/api/v1/events",
        body=json.dumps(body),
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
    )
    decided = connection.getresponse()
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


def test_serve_stops_cleanly_on_sigterm(server):
    _port, _bearer, process = server
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0


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

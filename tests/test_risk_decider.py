"""The decider: single events of several workers decided together, with the answers they would have
had one by one, and every failure sending the worker back to deciding in-process."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from datetime import timedelta, timezone

import orjson
import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.risk import decider, decisions
from trustdesk.risk.events import Event, validate_batch
from trustdesk.risk.models import RiskEvent


@pytest.fixture(autouse=True)
def fresh_worker_state():
    """A worker's connection and back-off are per thread: each test starts without either."""
    decider._local.__dict__.clear()
    yield
    decider._local.__dict__.clear()


@pytest.fixture
def socket_path():
    # Unix socket paths are short (107 bytes): not under pytest's long per-test directories.
    folder = tempfile.mkdtemp(prefix="td-")
    yield f"{folder}/decider.sock"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def running(socket_path):
    """A decider on the test's database, its loop stepped by the test itself."""
    server = decider.Decider(socket_path)
    yield server
    server.close()


def events(prefix: str, card: str, count: int) -> list[Event]:
    raw = {
        "events": [
            {
                "id": f"{prefix}-{i}",
                "type": "payment.failed",
                "user": f"{prefix}-user-{i % 2}",
                "device": f"{prefix}-device",
                "ip": "10.0.0.9",
                "order": f"{prefix}-o-{i}",
                "amount": f"{100 + i}.50",
                "payment_fingerprint": card,
            }
            for i in range(count)
        ]
    }
    found, errors = validate_batch(raw)
    assert not errors
    return found


def send_bytes(path: str, data: bytes) -> socket.socket:
    """A worker's connection to the decider, with `data` sent on it as it is."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(5)
    client.connect(path)
    client.sendall(data)
    return client


def send(path: str, batch: list[Event]) -> socket.socket:
    return send_bytes(path, decider.frame(decider.encode_events(batch)))


def reply(client: socket.socket) -> dict:
    with client:
        return orjson.loads(decider.read_frame(client))


def step_until_read(server: decider.Decider, clients: int) -> None:
    """One step, which accepts the waiting connections and reads and decides all their requests."""
    server.step(timeout=1)
    assert len(server.selector.get_map()) - 1 == clients


_text = st.text(max_size=40)
# Events carry the fixed UTC offset they were sent with (the API parses ISO 8601 times); a named zone
# never reaches the decider. (Named zones would also compare unequal across an hour that repeats.)
_offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))


@given(
    st.builds(
        Event,
        id=st.text(min_size=1, max_size=64),
        type=st.sampled_from(["order.created", "message.sent", "refund.requested"]),
        occurred_at=st.datetimes(timezones=_offsets),
        user=_text,
        device=_text,
        address=_text,
        amount=st.floats(min_value=0, max_value=1e12),
        amount_exact=st.none() | st.decimals(min_value=0, max_value=10**12, places=2),
        previous_amount=st.floats(min_value=0, max_value=1e12),
        currency=st.text(max_size=3),
        change=_text,
        text=st.text(max_size=500),
    )
)
def test_any_event_survives_the_trip_unchanged(event):
    assert decider.decode_events(decider.encode_events([event])) == [event]


def test_requests_waiting_together_are_decided_in_one_transaction_in_order(running, socket_path, risk_rule):
    risk_rule("card testing", "features.card_failures_10m >= 3.0", "review")
    batch = events("g", "card-g", 4)
    clients = [send(socket_path, [event]) for event in batch]
    step_until_read(running, len(clients))
    answers = [reply(c)["results"][0] for c in clients]
    assert [a["event_id"] for a in answers] == [e.id for e in batch]
    assert [a["decision"] for a in answers] == ["allow", "allow", "review", "review"]
    stored = {e.event_id: e for e in RiskEvent.objects.filter(event_id__startswith="g-")}
    # Each saw the ones before it, as one by one; one transaction gave them one time of receipt.
    assert [stored[e.id].features["card_failures_10m"] for e in batch] == [1, 2, 3, 4]
    assert len({e.received_at for e in stored.values()}) == 1


def test_answers_are_those_of_the_same_events_decided_one_by_one(running, socket_path, risk_rule):
    risk_rule("card testing", "features.card_failures_10m >= 3.0", "review")
    risk_rule("big", "event.amount > 103.0", "block")
    together = events("t", "card-t", 5)
    clients = [send(socket_path, [event]) for event in together]
    step_until_read(running, len(clients))
    grouped = [reply(c)["results"][0] for c in clients]
    alone = [decisions.decide([event])[0] for event in events("a", "card-a", 5)]
    strip = [{k: v for k, v in a.items() if k != "event_id"} for a in grouped]
    assert strip == [{k: v for k, v in a.items() if k != "event_id"} for a in alone]
    assert {a["decision"] for a in grouped} == {"allow", "review", "block"}


def test_an_id_sent_twice_in_one_group_is_decided_once(running, socket_path):
    [event] = events("d", "card-d", 1)
    clients = [send(socket_path, [event]), send(socket_path, [event])]
    step_until_read(running, 2)
    first, second = (reply(c) for c in clients)
    assert first == second
    assert RiskEvent.objects.filter(event_id=event.id).count() == 1
    assert RiskEvent.objects.get(event_id=event.id).features["card_failures_10m"] == 1


def test_an_unreadable_request_gets_an_error_and_the_others_their_answers(running, socket_path):
    [event] = events("u", "card-u", 1)
    good = send(socket_path, [event])
    bad = send_bytes(socket_path, decider.frame(b'[["only one field"]]'))
    step_until_read(running, 2)
    assert reply(bad) == {"error": "unreadable request"}
    assert reply(good)["results"][0]["event_id"] == event.id


def test_a_frame_over_the_limit_drops_its_connection_and_the_others_get_their_answers(running, socket_path):
    [event] = events("f", "card-f", 1)
    good = send(socket_path, [event])
    huge = send_bytes(socket_path, (decider.MAX_FRAME + 1).to_bytes(4, "big"))
    step_until_read(running, 1)
    assert huge.recv(1) == b""  # closed, not left waiting for gigabytes
    assert reply(good)["results"][0]["event_id"] == event.id
    huge.close()


def test_a_worker_decides_through_the_decider_when_it_answers(running, socket_path):
    batch = events("w", "card-w", 2)
    answers: list = []
    with override_settings(RISK_DECIDER_SOCKET=socket_path):
        asking = threading.Thread(target=lambda: answers.extend(decider._ask(socket_path, batch) or []))
        asking.start()
        while asking.is_alive():
            running.step(timeout=0.05)
        asking.join()
    assert [a["event_id"] for a in answers] == ["w-0", "w-1"]
    assert RiskEvent.objects.filter(event_id__startswith="w-").count() == 2


def test_without_a_decider_the_worker_decides_in_process(socket_path):
    batch = events("n", "card-n", 2)
    with override_settings(RISK_DECIDER_SOCKET=socket_path):
        answers = decider.decide(batch)
    assert [a["event_id"] for a in answers] == ["n-0", "n-1"]
    assert RiskEvent.objects.get(event_id="n-1").features["card_failures_10m"] == 2


def test_a_decider_that_does_not_answer_in_time_is_given_up_on_for_a_while(socket_path):
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(socket_path)
    silent.listen(4)
    try:
        with override_settings(RISK_DECIDER_SOCKET=socket_path, RISK_DECIDER_TIMEOUT=0.5):
            started = time.monotonic()
            first = decider.decide(events("s", "card-s", 1))
            waited = time.monotonic() - started
            started = time.monotonic()
            second = decider.decide(events("t", "card-s", 1))
            next_one = time.monotonic() - started
    finally:
        silent.close()
    assert first[0]["event_id"] == "s-0" and second[0]["event_id"] == "t-0"
    assert RiskEvent.objects.filter(event_id__in=["s-0", "t-0"]).count() == 2
    # The first waited for the decider; the next did not try it again.
    assert waited >= 0.5 and next_one < 0.5
    # The connection that timed out is not used again: its late answer would be read as the next one.
    assert getattr(decider._local, "conn", None) is None

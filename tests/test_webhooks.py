"""Transactional outbox and signed webhook delivery, against a real HTTP receiver on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from trustdesk.core.actors import Actor
from trustdesk.notifications import delivery, signing
from trustdesk.notifications.models import OutboxMessage, OutboxStatus
from trustdesk.notifications.outbox import enqueue
from trustdesk.notifications.services import do_add_endpoint

ACTOR = Actor.system("tests")


class Receiver:
    """A webhook receiver that records requests and answers with scripted status codes."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def sweep(at=None) -> int:
    return delivery.WebhookDelivery().run_once(at or timezone.now(), 50)


def test_a_committed_event_is_delivered_signed(db, receiver):
    _endpoint, secret = do_add_endpoint(actor=ACTOR, url=receiver.url, event_types=["orders.*"])
    with transaction.atomic():
        assert enqueue("orders.cancelled", {"order": "o-1", "amount": "12.50"}) == 1
    assert sweep() == 1
    [request] = receiver.requests
    body = request["body"]
    assert signing.verify(secret, body, request["headers"][signing.HEADER])
    assert not signing.verify("wrong-secret", body, request["headers"][signing.HEADER])
    envelope = json.loads(body)
    assert envelope["type"] == "orders.cancelled"
    assert envelope["data"] == {"order": "o-1", "amount": "12.50"}
    assert request["headers"]["Trustdesk-Delivery"] == envelope["id"]
    assert OutboxMessage.objects.get().status == OutboxStatus.DELIVERED


def test_a_rolled_back_change_sends_nothing(db, receiver):
    do_add_endpoint(actor=ACTOR, url=receiver.url, event_types=["*"])
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("orders.cancelled", {"order": "o-1"})
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert sweep() == 0 and receiver.requests == []


def test_only_subscribed_endpoints_get_a_message(db, receiver):
    do_add_endpoint(actor=ACTOR, url=receiver.url, event_types=["risk.*"])
    assert enqueue("aftersales.refunded", {"x": 1}) == 0


def test_the_same_idempotency_key_queues_once(db, receiver):
    do_add_endpoint(actor=ACTOR, url=receiver.url, event_types=["*"])
    assert enqueue("risk.decided", {"e": 1}, idempotency_key="evt-1") == 1
    assert enqueue("risk.decided", {"e": 1}, idempotency_key="evt-1") == 0
    assert OutboxMessage.objects.count() == 1


def test_failures_are_retried_with_back_off_then_delivered(db, receiver):
    do_add_endpoint(actor=ACTOR, url=receiver.url, event_types=["*"])
    enqueue("orders.cancelled", {"order": "o-1"})
    receiver.statuses = [500, 503]
    now = timezone.now()
    assert sweep(now) == 1
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and message.last_status_code == 500
    assert message.due_at == now + delivery.BACKOFF[0]
    assert sweep(now + timedelta(seconds=5)) == 0  # not due yet
    assert sweep(now + delivery.BACKOFF[0]) == 1
    later = now + delivery.BACKOFF[0] + delivery.BACKOFF[1]
    assert sweep(later) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 3)
    assert len(receiver.requests) == 3
    assert len({r["headers"]["Trustdesk-Delivery"] for r in receiver.requests}) == 1


def test_an_unreachable_endpoint_is_given_up_after_the_last_attempt(db):
    do_add_endpoint(actor=ACTOR, url="http://127.0.0.1:9/unreachable", event_types=["*"])
    enqueue("orders.cancelled", {"order": "o-1"})
    at = timezone.now()
    for _ in range(delivery.MAX_ATTEMPTS):
        assert sweep(at) == 1
        at = OutboxMessage.objects.get().due_at
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.DEAD
    assert message.last_error
    assert sweep(at + timedelta(days=30)) == 0


def test_a_claimed_message_is_leased_so_a_second_worker_skips_it(db, receiver):
    do_add_endpoint(actor=ACTOR, url=receiver.url, event_types=["*"])
    enqueue("orders.cancelled", {"order": "o-1"})
    now = timezone.now()
    # A worker claimed it and died before recording the outcome: the lease keeps others off ...
    with transaction.atomic():
        OutboxMessage.objects.update(attempts=1, due_at=now + delivery.LEASE)
    assert sweep(now) == 0
    # ... until the lease runs out, then it is sent again (at least once).
    assert sweep(now + delivery.LEASE) == 1
    assert OutboxMessage.objects.get().status == "delivered"


def test_the_worker_command_runs_one_pass(db, receiver, capsys):
    do_add_endpoint(actor=ACTOR, url=receiver.url, event_types=["*"])
    enqueue("orders.cancelled", {"order": "o-1"})
    call_command("worker", "--once", "--only", "webhooks")
    assert "webhooks=1" in capsys.readouterr().out
    assert len(receiver.requests) == 1


def test_the_worker_refuses_an_unknown_sweeper(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown sweeper"):
        call_command("worker", "--once", "--only", "nope")


def test_webhook_endpoints_through_the_api(api_client, receiver):
    admin = api_client("webhooks:manage")
    status, created = admin.post("/webhooks", {"url": receiver.url, "event_types": ["aftersales.*"]})
    assert status == 201 and created["secret"].startswith("whsec_")
    status, listed = admin.get("/webhooks")
    assert status == 200 and "secret" not in listed[0]
    status, _bad = admin.post("/webhooks", {"url": "ftp://x.example", "event_types": ["*"]})
    assert status == 422
    with transaction.atomic():
        enqueue("aftersales.opened", {"case": 1})
    sweep()
    status, deliveries = admin.get(f"/webhooks/{created['id']}/deliveries")
    assert status == 200 and deliveries[0]["status"] == "delivered"


def test_signatures_expire(db):
    body = b"{}"
    header = signing.sign("s", body, timestamp=1_000_000)
    assert signing.verify("s", body, header, now=1_000_000 + 60)
    assert not signing.verify("s", body, header, now=1_000_000 + signing.TOLERANCE_SECONDS + 1)
    assert not signing.verify("s", body, "garbage")


def test_in_app_notifications_reach_the_login_of_a_shopper(make_user, marketplace):
    from django.test import Client

    from trustdesk.accounts.models import Shopper
    from trustdesk.notifications.inapp import notify, unread_count

    user = make_user("lilei", "shopper", totp=False)
    shopper = Shopper.objects.get(external_id="u-1")
    shopper.user = user
    shopper.save()
    notify(kind="aftersales.approved", title="Your return was approved", shopper=shopper)
    notify(kind="other", title="Someone else's", user=make_user("other", "shopper", totp=False))
    assert unread_count(user) == 1
    client = Client()
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "Your return was approved" in page and "Someone else" not in page
    client.post("/notifications/read/")
    assert unread_count(user) == 0


def test_a_notification_needs_a_recipient(db):
    from trustdesk.notifications.inapp import notify

    with pytest.raises(ValueError, match="recipient"):
        notify(kind="x", title="nobody")

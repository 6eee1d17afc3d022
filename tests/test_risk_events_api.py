"""POST /api/v1/events: decisions per event, batches, idempotency by event id, and bad input."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from risk_fixtures import *  # noqa: F403 (fixtures)
from risk_fixtures import order

from trustdesk.risk.models import FeatureCounter, RiskEvent, RuleHitDaily


def test_a_single_event_gets_a_decision(api):
    status, body = api.post("/events", order("e-1"))
    assert status == 200, body
    assert body["decision"] == "allow"
    assert body["event_id"] == "e-1"
    assert set(body) == {"event_id", "decision", "score", "reasons", "rule_hits"}
    assert RiskEvent.objects.get(event_id="e-1").features["user_orders_1h"] == 1


def test_a_batch_gets_one_answer_per_event_in_order(api):
    status, body = api.post("/events", {"events": [order(f"b-{i}") for i in range(5)]})
    assert status == 200, body
    assert [r["event_id"] for r in body["results"]] == [f"b-{i}" for i in range(5)]
    counts = [RiskEvent.objects.get(event_id=f"b-{i}").features["user_orders_1h"] for i in range(5)]
    assert counts == [1, 2, 3, 4, 5]


def test_a_repeated_event_id_returns_the_first_answer_and_counts_nothing_twice(api, risk_rule):
    risk_rule("big", "event.amount > 500.0", "review")
    first = api.post("/events", order("r-1", amount="900.00"))
    again = api.post("/events", order("r-1", amount="1.00"))
    assert first == again
    assert first[1]["decision"] == "review"
    assert RiskEvent.objects.filter(event_id="r-1").count() == 1
    assert api.post("/events", order("r-2"))[1]["decision"] == "allow"
    assert RiskEvent.objects.get(event_id="r-2").features["user_orders_1h"] == 2
    assert RuleHitDaily.objects.get().hits == 1


def _own_entities(event_id):
    named = ("user", "device", "ip", "merchant", "email", "shipping_address")
    return {name: f"{name}-{event_id}@example.com" for name in named}


def test_a_batch_stores_each_event_as_a_single_request_does(api):
    """Batches take another way into the table (a COPY on PostgreSQL): every stored column is the same."""
    at = "2026-11-20T09:30:15.250000+08:00"
    changed = {"type": "account.changed", "user": "u-s", "change": "phone", "occurred_at": at}
    ordered = order("x", user="u-s", amount="123.45", occurred_at=at)
    pairs = []
    for n, event in enumerate((changed, ordered)):
        single, batched = f"one-{n}", f"many-{n}"
        # Entities of their own, so that each event counts only itself in its features.
        assert api.post("/events", {**event, "id": single, **_own_entities(single)})[0] == 200
        pairs.append((single, batched, {**event, "id": batched, **_own_entities(batched)}))
    assert api.post("/events", {"events": [p[2] for p in pairs]})[0] == 200

    def stored(event_id):
        row = RiskEvent.objects.filter(event_id=event_id).values().get()
        # The columns that name the event or its own entities: present on both, equal on neither.
        for name in ("id", "event_id", "received_at", "user", "device", "ip", "merchant", "email", "address"):
            row[name] = bool(row[name])
        return row

    for single, batched, _ in pairs:
        assert stored(single) == stored(batched)
    assert stored("many-0")["attrs"] == {"change": "phone"}
    assert str(stored("many-1")["amount"]) == "123.45"


def test_storing_an_id_twice_raises_the_integrity_error_decide_answers_again_on(db):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from trustdesk.risk.decisions import Decided, insert

    now = timezone.now()
    rows = [
        Decided(f"d-{n}", "login.failed", now, now, {}, {}, "allow", 0.0, [], [], [], None, user="u")
        for n in range(2)
    ]
    insert(rows[:1])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(rows)
    assert list(RiskEvent.objects.values_list("event_id", flat=True)) == ["d-0"]


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="PostgreSQL's: SQLite's in-memory test database takes one thread's request at a time",
)
@pytest.mark.django_db(transaction=True)
def test_one_id_sent_by_several_requests_at_once_is_stored_and_counted_once(api):
    """Each request looks the id up, finds nothing and decides; all but one then fail to store it and
    answer with the one stored. Real commits: a single allowed event on PostgreSQL with Redis goes in
    as a statement of its own, without a transaction around it."""
    requests = 6
    together = threading.Barrier(requests)
    answers: list[tuple[int, dict]] = []

    def send() -> None:
        try:
            together.wait(timeout=10)
            answers.append(api.post("/events", order("same-1", user="u-race")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == requests
    assert all(a == answers[0] for a in answers) and answers[0][0] == 200
    assert RiskEvent.objects.filter(event_id="same-1").count() == 1
    assert RiskEvent.objects.get(event_id="same-1").features["user_orders_1h"] == 1
    api.post("/events", order("next-1", user="u-race"))
    assert RiskEvent.objects.get(event_id="next-1").features["user_orders_1h"] == 2


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"id": "x-1", "type": "order.shipped", "user": "u"}, "unknown_event_type"),
        ({"id": "x-1", "type": "order.created", "user": "u"}, "missing_fields"),
        (
            {
                "id": "x-1",
                "type": "order.created",
                "user": "u",
                "order": "o",
                "merchant": "m",
                "amount": "ten",
            },
            "validation_failed",
        ),
        ({"type": "login.failed", "user": "u"}, "validation_failed"),
        ({"id": "x-1", "type": "login.failed", "user": "u", "is_vip": True}, "validation_failed"),
        ({"id": "x-1", "type": "account.changed", "user": "u", "change": "hair"}, "invalid_change"),
        # A time without its offset is ambiguous: refused, not read as the server's own zone.
        (
            {"id": "x-1", "type": "login.failed", "user": "u", "occurred_at": "2026-11-24T10:00:00"},
            "naive_time",
        ),
    ],
)
def test_bad_events_are_refused_with_a_code_and_nothing_is_stored(api, event, code):
    status, body = api.post("/events", event)
    assert status == 422 and body["code"] == code, body
    assert body["message"]
    assert not RiskEvent.objects.exists()
    assert not FeatureCounter.objects.exists()
    # Nothing was counted in whichever feature backend runs (Redis too): the next event is the first.
    status, _body = api.post("/events", order("x-1", user="u"))
    assert status == 200
    assert RiskEvent.objects.get(event_id="x-1").features["user_orders_1h"] == 1


def test_one_bad_event_refuses_the_whole_batch_with_per_event_errors(api):
    events = [order("ok-1"), {"id": "bad", "type": "nope"}, order("ok-2", amount="-1")]
    status, body = api.post("/events", {"events": events})
    assert status == 422 and body["code"] == "invalid_events"
    assert [(e["index"], e["code"]) for e in body["errors"]] == [
        (1, "unknown_event_type"),
        (2, "validation_failed"),
    ]
    assert not RiskEvent.objects.exists()
    assert not FeatureCounter.objects.exists()
    # The valid events of the refused batch were not counted nor marked as seen: resent, they count once.
    status, body = api.post("/events", {"events": [order("ok-1"), order("ok-2")]})
    assert status == 200 and [r["event_id"] for r in body["results"]] == ["ok-1", "ok-2"]
    assert RiskEvent.objects.get(event_id="ok-2").features["user_orders_1h"] == 2


def test_oversized_batches_and_malformed_json_are_refused(api):
    status, body = api.post("/events", {"events": [order(f"o{i}") for i in range(1001)]})
    assert (status, body["code"]) == (413, "batch_too_large")
    status, body = api.post("/events", raw='{"id": ')
    assert (status, body["code"]) == (400, "malformed_json")
    status, body = api.post("/events", {"events": [order("d"), order("d")]})
    assert body["errors"][0]["code"] == "duplicate_in_batch"
    assert not RiskEvent.objects.exists()


def test_a_decision_can_be_read_back_as_it_was_answered(api, risk_rule):
    risk_rule("big", "event.amount > 500.0", "review")
    answered = api.post("/events", order("rb-1", amount="900.00"))[1]
    assert answered["reasons"] and answered["rule_hits"]
    assert api.get("/events/rb-1") == (200, answered)
    assert api.get("/events/rb-2")[0] == 404
    assert api.post("/events", order("rb-2"))[1]["decision"] == "allow"
    assert api.get("/events/rb-2")[1]["decision"] == "allow"


def test_addresses_and_emails_are_stored_only_as_blind_indexes(api):
    event = order("pii-1", shipping_address="浙江省杭州市西湖区文三路 100 号", email="li@example.com")
    assert api.post("/events", event)[0] == 200
    stored = RiskEvent.objects.get(event_id="pii-1")
    assert "文三路" not in stored.address and len(stored.address) == 64
    assert "example" not in stored.email


def test_a_token_revoked_here_is_refused_at_once_and_one_revoked_elsewhere_within_the_bound(
    api_client, monkeypatch
):
    from django.utils import timezone

    from trustdesk.accounts import services as accounts
    from trustdesk.accounts.models import ApiToken
    from trustdesk.core.actors import Actor

    here = api_client("risk:events")
    assert here.post("/events", order("t-1"))[0] == 200
    accounts.do_revoke_token(
        ApiToken.objects.get(prefix=here.bearer.split("_")[1]).name, actor=Actor.system("t")
    )
    assert here.post("/events", order("t-2"))[0] == 401

    monkeypatch.setattr(accounts, "REMEMBER_TOKEN_SECONDS", 0.05)
    elsewhere = api_client("risk:events")
    assert elsewhere.post("/events", order("t-3"))[0] == 200
    # As `trustdesk token revoke` in another process does: this process's memory is not told.
    ApiToken.objects.filter(prefix=elsewhere.bearer.split("_")[1]).update(revoked_at=timezone.now())
    time.sleep(0.1)
    status, body = elsewhere.post("/events", order("t-4"))
    assert status == 401, body
    assert not RiskEvent.objects.filter(event_id__in=["t-2", "t-4"]).exists()


def test_a_token_without_the_events_scope_is_refused_even_after_a_remembered_success(api_client):
    reader = api_client("risk:read")
    writer = api_client("risk:events")
    assert writer.post("/events", order("s-1"))[0] == 200
    status, body = reader.post("/events", order("s-2"))
    assert (status, body["code"]) == (403, "missing_scope")

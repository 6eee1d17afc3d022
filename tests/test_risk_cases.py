"""Review queue, lists, credit and alerts, through the API and the console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from risk_fixtures import *  # noqa: F403 (fixtures)

from trustdesk.notifications.models import OutboxMessage, WebhookEndpoint
from trustdesk.risk.credit import shopper_can_request_refund_only
from trustdesk.risk.models import Alert, Label, ReviewCase, RiskEvent, ShopperCredit


@pytest.fixture
def webhook(db):
    return WebhookEndpoint.objects.create(
        url="https://marketplace.invalid/hook", event_types=["risk.*"], secret="s" * 32
    )


def order(event_id, user="u-1", amount="100.00", **extra):
    return {
        "id": event_id,
        "type": "order.created",
        "user": user,
        "order": "o-" + event_id,
        "merchant": "m",
        "amount": amount,
        **extra,
    }


def test_review_opens_a_case_and_the_analysts_decision_labels_and_notifies(
    api, risk_rule, staff_client, webhook
):
    risk_rule("big", "event.amount >= 500.0", "review")
    assert api.post("/events", order("c-1", amount="800.00", device="dev-9"))[1]["decision"] == "review"
    case = ReviewCase.objects.get()
    assert OutboxMessage.objects.filter(event_type="risk.order_held").count() == 1
    analyst = staff_client("analyst")
    page = analyst.get(f"/risk/cases/{case.pk}/")
    assert page.status_code == 200 and "dev-9" in page.content.decode()
    assert analyst.post(f"/risk/cases/{case.pk}/", {"do": "assign"}).status_code == 302
    assert (
        analyst.post(
            f"/risk/cases/{case.pk}/", {"do": "decide", "outcome": "fraud", "note": "stolen card"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert (case.status, case.outcome, case.assignee_id) == ("decided", "fraud", analyst.user.pk)
    assert RiskEvent.objects.get(event_id="c-1").label == Label.FRAUD
    decided = OutboxMessage.objects.get(event_type="risk.case_decided")
    assert decided.payload["action"] == "cancel_order"
    assert shopper_can_request_refund_only("u-1")[0] is False
    assert list(case.events.values_list("to_state", flat=True)) == ["open", "assigned", "decided"]


def test_only_analysts_decide_cases(api, risk_rule, staff_client):
    risk_rule("big", "event.amount >= 500.0", "review")
    api.post("/events", order("c-2", amount="800.00"))
    case = ReviewCase.objects.get()
    auditor = staff_client("auditor")
    assert auditor.get(f"/risk/cases/{case.pk}/").status_code == 200
    assert auditor.post(f"/risk/cases/{case.pk}/", {"do": "decide", "outcome": "legit"}).status_code == 403
    assert staff_client("agent").get("/risk/").status_code == 403


def test_the_case_shows_the_graph_of_shared_entities(api, risk_rule, staff_client):
    risk_rule("ring", "features.device_users_24h >= 3", "review")
    for i, user in enumerate(["r1", "r2", "r3"]):
        api.post("/events", order(f"g-{i}", user=user, device="shared-dev", payment_fingerprint="card-7"))
    case = ReviewCase.objects.get()
    from trustdesk.risk.cases import investigate

    graph = investigate(case)
    users = {a[1] for a, b, _ in graph.edges if b == ("device", "shared-dev")}
    assert users == {"r1", "r2", "r3"}


def test_block_and_allow_lists_with_expiry(api):
    status, _entry = api.post(
        "/risk/lists", {"kind": "device", "value": "bad-dev", "action": "block", "reason": "fraud ring"}
    )
    assert status == 201
    body = api.post("/events", order("l-1", device="bad-dev"))[1]
    assert body["decision"] == "block" and "device is on the block list" in body["reasons"]
    soon = (timezone.now() + timedelta(seconds=1)).isoformat()
    api.post(
        "/risk/lists",
        {"kind": "email", "value": "Vip@Example.com", "action": "allow", "reason": "vip", "expires_at": soon},
    )
    listed = api.get("/risk/lists")[1]
    assert {e["shown"] for e in listed} == {"bad-dev", "V***@Example.com"}
    past = (timezone.now() - timedelta(days=1)).isoformat()
    status, body = api.post(
        "/risk/lists",
        {"kind": "ip", "value": "1.2.3.4", "action": "block", "reason": "x", "expires_at": past},
    )
    assert status == 422 and body["code"] == "invalid_expiry"
    from trustdesk.risk.models import ListEntry

    ListEntry.objects.filter(kind="device").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.post("/events", order("l-2", device="bad-dev"))[1]["decision"] == "allow"


def test_credit_falls_with_refunds_and_chargebacks_and_restricts_refund_only(api, risk_rule):
    assert shopper_can_request_refund_only("u-7") == (True, "")
    api.post("/events", order("cr-1", user="u-7"))
    for i in range(3):
        api.post(
            "/events",
            {
                "id": f"rf-{i}",
                "type": "refund.requested",
                "user": "u-7",
                "order": "o-cr-1",
                "amount": "10.00",
            },
        )
    api.post(
        "/events",
        {"id": "cb-1", "type": "chargeback.received", "user": "u-7", "order": "o-cr-1", "amount": "100.00"},
    )
    _status, credit = api.get("/risk/credit/u-7")
    assert credit["tier"] in ("fair", "poor") and credit["refund_only_allowed"] is False
    allowed, reason = shopper_can_request_refund_only("u-7")
    assert not allowed and "refund-only" in reason
    assert RiskEvent.objects.get(event_id="cr-1").label == Label.FRAUD
    risk_rule("low-credit", "shopper.credit_tier == 'poor' || shopper.credit_score < 600", "review")
    first = api.post("/events", order("cr-2", user="u-7"))
    assert first[1]["decision"] == "review"
    # Sent again: its stored answer and its shopper's credit are read together, told apart.
    assert api.post("/events", order("cr-2", user="u-7")) == first
    assert RiskEvent.objects.filter(event_id="cr-2").count() == 1


def test_a_long_order_history_outweighs_a_refund_and_is_tallied_only_as_far_as_the_score_needs(api):
    from trustdesk.risk import credit
    from trustdesk.risk.models import ShopperCredit

    batch = [order(f"lo-{i}", user="u-loyal") for i in range(120)]
    assert api.post("/events", {"events": batch})[0] == 200
    api.post(
        "/events",
        {"id": "lo-rf", "type": "refund.requested", "user": "u-loyal", "order": "o-lo-1", "amount": "1.00"},
    )
    record = ShopperCredit.objects.get(user="u-loyal")
    # 120 orders and one refund: the full order bonus, no refund penalty — as compute() says of 120.
    assert (record.score, record.tier) == credit.compute(
        orders=120, refunds=1, chargebacks=0, confirmed_fraud=0
    )
    assert record.score == credit.BASE + 50
    # Beyond max(50, 5 × refunds) orders the score cannot tell counts apart, so the tally stops there.
    assert record.orders == 50


def test_a_batch_notes_credit_and_chargeback_labels_as_the_same_events_one_by_one(api):
    """Refunds and chargebacks of a batch are noted together (a statement or two for the batch); the
    credit and labels come out as if each event had been sent alone. 250 shoppers: more than one
    group of the order tally."""

    def events(prefix):
        made = []
        for n in range(250):
            user = f"{prefix}-{n}"
            made.append(order(f"{prefix}-o-{n}", user=user))
            made.append(
                {
                    "id": f"{prefix}-r-{n}",
                    "type": "refund.requested",
                    "user": user,
                    "order": f"o-{prefix}-o-{n}",
                }
            )
        user = f"{prefix}-0"
        for k in range(3):
            made.append({"id": f"{prefix}-rr-{k}", "type": "refund.requested", "user": user, "order": "o-x"})
        made.append(
            {"id": f"{prefix}-cb", "type": "chargeback.received", "user": user, "order": f"o-{prefix}-o-0"}
        )
        return [{**e, "amount": e.get("amount", "5.00")} for e in made]

    for event in events("one"):
        assert api.post("/events", event)[0] == 200
    assert api.post("/events", {"events": events("all")})[0] == 200

    def credit(prefix):
        rows = ShopperCredit.objects.filter(user__startswith=f"{prefix}-").order_by("user")
        return [(r.user.split("-", 1)[1], r.orders, r.refunds, r.chargebacks, r.score, r.tier) for r in rows]

    alone, together = credit("one"), credit("all")
    assert len(together) == 250 and together == alone
    assert together[0][1:] == (1, 4, 1, *together[0][4:]) and together[0][5] in ("fair", "poor")
    for prefix in ("one", "all"):
        labels = dict(RiskEvent.objects.filter(order=f"o-{prefix}-o-0").values_list("event_id", "label"))
        assert labels == {f"{prefix}-o-0": Label.FRAUD, f"{prefix}-r-0": Label.FRAUD, f"{prefix}-cb": ""}


def test_credit_signals_must_name_a_shopper_and_a_known_signal(db):
    from trustdesk.risk import credit

    with pytest.raises(ValueError, match="needs a user"):
        credit.note_many({"": {"refunds": 1}})
    with pytest.raises(ValueError, match="unknown credit signal 'likes'"):
        credit.note_many({"u-1": {"refunds": 1, "likes": 2}})
    assert not ShopperCredit.objects.exists()


def test_alerts_for_card_testing_refund_abuse_surge_price_and_takeover(api, staff_client):
    for i in range(5):
        api.post(
            "/events",
            {
                "id": f"pf-{i}",
                "type": "payment.failed",
                "user": f"x{i}",
                "order": f"o{i}",
                "amount": "1.00",
                "payment_fingerprint": "card-t",
            },
        )
    for i in range(3):
        api.post(
            "/events",
            {
                "id": f"rr-{i}",
                "type": "refund.requested",
                "user": "greedy",
                "order": f"o{i}",
                "amount": "5.00",
            },
        )
    api.post("/events", {"events": [order(f"s-{i}", user=f"s{i}") for i in range(20)]})
    api.post(
        "/events",
        {
            "id": "pc-1",
            "type": "listing.price_changed",
            "merchant": "m",
            "listing": "l-1",
            "amount": "9.00",
            "previous_amount": "99.00",
        },
    )
    api.post("/events", {"id": "ato-0", "type": "login.succeeded", "user": "victim", "device": "old-dev"})
    api.post("/events", {"id": "ato-1", "type": "login.succeeded", "user": "victim", "device": "new-dev"})
    api.post(
        "/events",
        {
            "id": "ato-2",
            "type": "account.changed",
            "user": "victim",
            "device": "new-dev",
            "change": "password",
        },
    )
    api.post(
        "/events",
        {
            "id": "ato-3",
            "type": "account.changed",
            "user": "victim",
            "device": "new-dev",
            "change": "address",
        },
    )
    kinds = dict(Alert.objects.values_list("kind", "subject"))
    assert kinds == {
        "card_testing": "card-t",
        "refund_abuse": "greedy",
        "merchant_surge": "m",
        "price_change": "l-1",
        "account_takeover": "victim",
    }
    assert Alert.objects.get(kind="card_testing").evidence["failures_10m"] == 5
    page = staff_client("analyst").get("/risk/alerts/")
    assert page.status_code == 200 and "Card testing" in page.content.decode()


def _plan(sql: str, *, without: tuple[str, ...] = ()) -> list[str]:
    """The steps of the query's plan. `without`: PostgreSQL planner methods to forbid, so the plan
    shows whether an index could serve the query at all (on tables this small PostgreSQL would
    otherwise choose by their statistics); SQLite ignores them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return [row[-1] for row in cursor.fetchall()]
        for setting in without:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}")
        steps = [row[0] for row in cursor.fetchall()]
        for setting in without:
            cursor.execute(f"RESET {setting}")
        return steps


def _full_scans_of_events(sql: str) -> list[str]:
    """The plan's steps that read the whole event table (or all of one of its indexes)."""
    from django.db import connection

    steps = _plan(sql, without=("enable_seqscan",))
    if connection.vendor == "sqlite":
        return [s for s in steps if s.startswith("SCAN risk_riskevent")]
    return [s for s in steps if "Seq Scan on risk_riskevent" in s]


def test_the_cases_queries_by_card_address_and_order_reach_the_partial_indexes(api, risk_rule):
    """The card, address, merchant and order indexes hold only events that name one; a query reaches
    them only when it says so, otherwise it reads the whole event table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trustdesk.risk.cases import do_decide, investigate

    risk_rule("big", "event.amount >= 500.0", "review")
    for i in range(20):
        api.post("/events", order(f"pi-{i}", user=f"p{i}", device=f"dev-{i}"))
    held = api.post(
        "/events",
        order(
            "pi-x", amount="900.00", device="dev-x", payment_fingerprint="card-x", shipping_address="1 Road"
        ),
    )
    assert held[1].get("decision") == "review", held
    case = ReviewCase.objects.get()
    with CaptureQueriesContext(connection) as run:
        graph = investigate(case)
        do_decide(case, actor=ANALYST, outcome="fraud", note="ring")  # noqa: F405 (risk_fixtures)
        api.post(
            "/events",
            {
                "id": "pi-cb",
                "type": "chargeback.received",
                "user": "u-1",
                "order": "o-pi-x",
                "amount": "9.00",
            },
        )
    assert [e.event_id for e in graph.events] == ["pi-x"]
    assert RiskEvent.objects.get(event_id="pi-x").label == Label.FRAUD
    touching = [q["sql"] for q in run.captured_queries if "risk_riskevent" in q["sql"]]
    assert any('"payment_fingerprint"' in sql for sql in touching)
    assert any('"order"' in sql and sql.startswith("UPDATE") for sql in touching)
    for sql in touching:
        if sql.startswith(("SELECT", "UPDATE")):
            assert _full_scans_of_events(sql) == [], sql


def test_the_credit_tally_reads_only_the_user_index(api):
    """A refund rescoring the shopper tallies their latest events' types from the (month, user, time,
    type) index, without reading each event's row; orders months apart all count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    long_ago = (timezone.now() - timedelta(days=70)).isoformat()
    api.post("/events", order("ct-0", user="u-ct", occurred_at=long_ago))
    api.post("/events", order("ct-1", user="u-ct"))
    with CaptureQueriesContext(connection) as run:
        refund = {
            "id": "ct-r",
            "type": "refund.requested",
            "user": "u-ct",
            "order": "o-ct-1",
            "amount": "5.00",
        }
        assert api.post("/events", refund)[0] == 200
    [tally] = [q["sql"] for q in run.captured_queries if "COALESCE(SUM(CASE WHEN type" in q["sql"]]
    # Without the table scans, PostgreSQL seeks the (month, user, time, type) index for each month
    # and reads nothing else, since the index holds every column read.
    steps = _plan(tally, without=("enable_seqscan", "enable_bitmapscan"))
    if connection.vendor == "sqlite":
        assert any("COVERING INDEX risk_event_user_idx" in step for step in steps), steps
    else:
        plan = " ".join(steps)
        assert "Index Only Scan using risk_event_user_idx" in plan, plan
        assert any("Index Cond" in step and "month = ANY" in step for step in steps), plan
    # Both orders, a month or more apart, count for the shopper.
    assert ShopperCredit.objects.get(user="u-ct").orders == 2


def test_lookups_by_entity_reach_events_a_year_old_or_dated_ahead(api, risk_rule):
    """A case's graph, a chargeback's labels and the shopper's credit are not limited to recent events."""
    from trustdesk.risk.cases import investigate

    risk_rule("big", "event.amount >= 500.0", "review")
    year_ago = (timezone.now() - timedelta(days=400)).isoformat()
    ahead = (timezone.now() + timedelta(days=45)).isoformat()
    api.post("/events", order("mo-old", user="u-old", device="dev-shared", occurred_at=year_ago))
    api.post("/events", order("mo-ahead", user="u-ahead", device="dev-shared", occurred_at=ahead))
    held = api.post("/events", order("mo-now", amount="900.00", device="dev-shared"))
    assert held[1]["decision"] == "review"

    graph = investigate(ReviewCase.objects.get())
    assert {e.event_id for e in graph.events} == {"mo-old", "mo-ahead", "mo-now"}
    assert {("user", "u-old"), ("user", "u-ahead")} <= set(graph.nodes)

    chargeback = {"id": "mo-cb", "type": "chargeback.received", "user": "u-old", "order": "o-mo-old"}
    assert api.post("/events", {**chargeback, "amount": "9.00"})[0] == 200
    assert RiskEvent.objects.get(event_id="mo-old").label == Label.FRAUD
    assert ShopperCredit.objects.get(user="u-old").chargebacks == 1


def test_an_alert_that_goes_on_firing_is_stored_once_with_the_evidence_of_the_event_that_raised_it(api):
    # The surge holds from the 20th order on, for every order after it, in this batch and the next.
    status, _ = api.post(
        "/events", {"events": [order(f"sg-{i}", user=f"sg{i}", merchant="busy") for i in range(25)]}
    )
    assert status == 200
    api.post("/events", {"events": [order(f"sg2-{i}", user=f"sg2{i}", merchant="busy") for i in range(5)]})
    api.post("/events", order("sg3-0", user="sg30", merchant="busy"))
    [alert] = Alert.objects.filter(kind="merchant_surge")
    assert alert.subject == "busy"
    assert alert.evidence["orders_10m"] == 20
    assert RiskEvent.objects.filter(merchant="busy").count() == 31


def test_a_batch_holding_and_blocking_many_events_opens_a_case_and_queues_a_webhook_for_each(
    api, risk_rule, webhook
):
    risk_rule("big", "event.amount >= 500.0", "review", reason="large order")
    risk_rule("huge", "event.amount >= 5000.0", "block", reason="far too large")
    amounts = {"h-1": "800.00", "h-2": "9000.00", "h-3": "10.00", "h-4": "700.00", "h-5": "6000.00"}
    batch = {"events": [order(i, user=f"buyer-{i}", amount=a) for i, a in amounts.items()]}
    status, body = api.post("/events", batch)
    assert status == 200
    decided = {answer["event_id"]: answer["decision"] for answer in body["results"]}
    assert decided == {"h-1": "review", "h-2": "block", "h-3": "allow", "h-4": "review", "h-5": "block"}

    cases = ReviewCase.objects.select_related("event").order_by("event__event_id")
    assert [c.event.event_id for c in cases] == ["h-1", "h-4"]
    for case in cases:
        [first] = case.events.all()
        assert (first.from_state, first.to_state, first.actor_kind) == ("", "open", "system")
        assert "large order" in first.reason
    queued = sorted(OutboxMessage.objects.all(), key=lambda m: m.idempotency_key)
    assert [(m.event_type, m.payload["event_id"], m.idempotency_key) for m in queued] == [
        ("risk.order_held", "h-1", "risk.decision:h-1"),
        ("risk.blocked", "h-2", "risk.decision:h-2"),
        ("risk.order_held", "h-4", "risk.decision:h-4"),
        ("risk.blocked", "h-5", "risk.decision:h-5"),
    ]
    assert queued[0].payload["order"] == "o-h-1" and queued[0].payload["user"] == "buyer-h-1"

    # Sent again (a retry after a lost answer): the same answers, nothing opened or queued twice.
    status, again = api.post("/events", batch)
    assert status == 200 and again == body
    assert ReviewCase.objects.count() == 2 and OutboxMessage.objects.count() == 4

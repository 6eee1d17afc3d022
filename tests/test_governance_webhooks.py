"""Governance decisions reach the marketplace, which enforces them: status changes and penalties are
written to the outbox in the same transaction, and the listings API says what may stay on sale."""

from __future__ import annotations

from trustdesk.core.actors import Actor
from trustdesk.notifications.models import OutboxMessage
from trustdesk.notifications.services import do_add_endpoint

EVIDENCE = [{"label": "inspection report", "ref": "inspection:42"}]


def subscribe() -> None:
    do_add_endpoint(
        actor=Actor.system("tests"), url="https://shop.example/hooks", event_types=["merchants.*"]
    )


def messages() -> list[tuple[str, dict]]:
    return [(m.event_type, m.payload) for m in OutboxMessage.objects.order_by("created_at", "id")]


def on_sale(api, listing: str) -> bool:
    status, body = api.get(f"/listings/{listing}")
    assert status == 200, body
    return body["on_sale"]


def test_a_suspension_takes_every_listing_off_sale_and_tells_the_marketplace(api, marketplace):
    subscribe()
    assert on_sale(api, "l-1") and on_sale(api, "l-2")

    status, penalty = api.post(
        "/merchants/m-1/penalties",
        {"kind": "suspension", "reason": "counterfeit goods", "evidence": EVIDENCE},
    )
    assert status == 201, penalty

    assert not on_sale(api, "l-1") and not on_sale(api, "l-2")
    _status, listed = api.get("/listings?shop=s-1")
    assert [row["on_sale"] for row in listed["items"]] == [False, False]
    (status_type, status_payload), (penalty_type, penalty_payload) = messages()
    assert status_type == "merchants.status_changed"
    assert status_payload["merchant"] == "m-1"
    assert (status_payload["from"], status_payload["to"], status_payload["can_sell"]) == (
        "active",
        "suspended",
        False,
    )
    assert penalty_type == "merchants.penalty_imposed"
    assert penalty_payload["kind"] == "suspension" and penalty_payload["published"] is True


def test_an_overturned_appeal_puts_the_listings_back_and_says_so(api, marketplace):
    status, penalty = api.post(
        "/merchants/m-1/penalties",
        {"kind": "listing_removal", "listing": "l-1", "reason": "medical claim", "evidence": EVIDENCE},
    )
    assert status == 201
    subscribe()
    assert not on_sale(api, "l-1") and on_sale(api, "l-2")

    assert api.post(f"/penalties/{penalty['id']}/appeal", {"text": "the claim was removed"})[0] == 200
    status, decided = api.post(
        f"/penalties/{penalty['id']}/appeal-decision", {"uphold": False, "reason": "wording was lawful"}
    )
    assert status == 200 and decided["state"] == "overturned"

    assert on_sale(api, "l-1")
    [(event_type, payload)] = messages()
    assert event_type == "merchants.penalty_overturned"
    assert payload == {
        "penalty": penalty["id"],
        "merchant": "m-1",
        "kind": "listing_removal",
        "listing": "l-1",
        "amount": None,
        "reason": "medical claim",
        "published": False,
    }


def test_status_changes_reach_only_subscribed_endpoints(api, marketplace):
    assert api.post("/merchants/m-1/status", {"status": "warned", "reason": "late shipping"})[0] == 200
    assert messages() == []
    subscribe()
    assert api.post("/merchants/m-1/status", {"status": "active", "reason": "shipping recovered"})[0] == 200
    assert [t for t, _ in messages()] == ["merchants.status_changed"]
    assert messages()[0][1]["can_sell"] is True

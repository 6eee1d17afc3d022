"""Two workers claiming at once on PostgreSQL take disjoint rows (SKIP LOCKED)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from trustdesk.core.actors import Actor
from trustdesk.core.claims import claim_due
from trustdesk.notifications.models import OutboxMessage
from trustdesk.notifications.outbox import enqueue
from trustdesk.notifications.services import do_add_endpoint


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_overlap():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises writers instead")
    do_add_endpoint(actor=Actor.system("tests"), url="http://127.0.0.1:9/x", event_types=["*"])
    for i in range(40):
        enqueue("t.e", {"i": i})
    both_holding = threading.Barrier(2)
    claimed: dict[str, list] = {}

    def worker(name: str) -> None:
        try:
            with transaction.atomic():
                rows = claim_due(OutboxMessage.objects.order_by("created_at"), batch=25)
                claimed[name] = [r.pk for r in rows]
                both_holding.wait(timeout=10)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 40


@pytest.mark.django_db(transaction=True)
def test_claiming_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="transaction"):
        claim_due(OutboxMessage.objects.all(), batch=1)

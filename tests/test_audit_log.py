"""The audit log is append-only and readable by auditors only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from trustdesk.audit import services as audit
from trustdesk.audit.models import AppendOnlyError, AuditEvent
from trustdesk.core.actors import Actor


@pytest.fixture
def entry(db):
    return audit.record(Actor.system("tests"), "thing.done", target_type="x", target_id="1")


def test_the_model_refuses_changes_and_deletes(entry):
    entry.action = "thing.undone"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_the_database_refuses_update_and_delete_even_in_raw_sql(entry):
    for sql in (
        "UPDATE audit_auditevent SET action = 'forged'",
        "DELETE FROM audit_auditevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().action == "thing.done"


def test_queryset_bulk_update_is_refused_too(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="forged")
    assert AuditEvent.objects.get().action == "thing.done"


def test_auditors_read_the_log_and_others_do_not(staff_client, entry):
    auditor = staff_client("auditor")
    page = auditor.get("/audit/?action=thing")
    assert page.status_code == 200 and "thing.done" in page.content.decode()
    assert staff_client("agent", username="agent1").get("/audit/").status_code == 403


def test_the_log_filters_by_action_with_htmx(staff_client, entry):
    audit.record(Actor.system("tests"), "other.event")
    auditor = staff_client("auditor")
    fragment = auditor.get("/audit/?action=other", HTTP_HX_REQUEST="true").content.decode()
    assert "other.event" in fragment and "thing.done" not in fragment
    assert "<html" not in fragment

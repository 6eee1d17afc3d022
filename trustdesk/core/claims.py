"""Claiming due rows so that several worker processes never act on the same one.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` — each worker locks a disjoint batch and skips rows other
workers hold. SQLite: writers are serialised by the database itself (transactions start IMMEDIATE), so a
plain select inside the transaction already owns its rows until commit.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connection, models, transaction

M = TypeVar("M", bound=models.Model)


def claim_due(queryset: models.QuerySet[M], *, batch: int) -> list[M]:
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("claim_due must run inside transaction.atomic(): the lock ends at commit")
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset[:batch])

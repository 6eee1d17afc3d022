"""The deadline sweeper: deadlines that pass act by themselves.

Steps of `run_once` (one pass):
1. In one transaction, claim up to `batch_size` running deadlines with `due_at <= now`, oldest first, and
   mark them missed — a single `UPDATE … WHERE id IN (SELECT … ORDER BY due_at LIMIT n [FOR UPDATE SKIP
   LOCKED]) RETURNING id`. The partial index on due_at over running deadlines makes this cost depend on
   the batch, not on how many cases are open; on PostgreSQL several workers take disjoint batches.
2. Group the claimed deadlines by their consequence. Consequences that only move the case (approve a
   silent merchant's return, close a lapsed request, take a return as delivered, end an evidence or
   appeal window) run as one set-based move per group (`flow.transition_many`), in a savepoint.
   Consequences that move money (refund-only approvals, unconfirmed receipts, unpaid refunds) run one
   by one through the same actions a person would use, each in its own savepoint. If a group or a row
   fails, its deadlines are put back to running and the next pass retries them.
3. Commit. A worker killed before the commit leaves every claimed deadline running, so the next pass
   of any worker acts on it; one killed after has nothing left to redo. Nothing happens twice.

Consequences: merchant silent → approved; shopper does not answer or ship → closed; return not reported
delivered → taken as delivered; merchant does not confirm receipt → refunded; refund not paid → paid by
the platform from the merchant's deposit; no escalation → closed; evidence window over → under review;
appeal window over → closed; desk SLA missed → recorded and the team told.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from trustdesk.aftersales import refunds, services
from trustdesk.aftersales.flow import transition, transition_many
from trustdesk.aftersales.models import (
    CaseKind,
    CaseStatus,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Party,
    RefundStatus,
    Resolution,
)
from trustdesk.core.actors import Actor
from trustdesk.notifications import inapp
from trustdesk.orders.models import Order

log = logging.getLogger("trustdesk.aftersales.sweeper")
SYSTEM = Actor.system("deadline-sweeper")
AS_SYSTEM = services.Who(Party.SYSTEM, SYSTEM)
S = CaseStatus
K = DeadlineKind


# Consequences that only move the case: (deadline kind, case status) → (new status, case kinds, extra).
PURE_MOVES: dict[tuple[str, str], tuple[str, tuple[str, ...], dict[str, Any]]] = {
    (K.MERCHANT_RESPONSE, S.AWAITING_MERCHANT): (
        S.AWAITING_RETURN,
        (CaseKind.RETURN_REFUND, CaseKind.EXCHANGE, CaseKind.REPAIR),
        {},
    ),
    (K.SHOPPER_REPLY, S.AWAITING_SHOPPER): (S.CLOSED, tuple(CaseKind), {"resolution": Resolution.LAPSED}),
    (K.SHOPPER_REPLY, S.AWAITING_RETURN): (S.CLOSED, tuple(CaseKind), {"resolution": Resolution.LAPSED}),
    (K.SHOPPER_SHIP, S.AWAITING_SHOPPER): (S.CLOSED, tuple(CaseKind), {"resolution": Resolution.LAPSED}),
    (K.SHOPPER_SHIP, S.AWAITING_RETURN): (S.CLOSED, tuple(CaseKind), {"resolution": Resolution.LAPSED}),
    (K.RETURN_TRANSIT, S.RETURN_SHIPPED): (S.RETURN_DELIVERED, tuple(CaseKind), {}),
    (K.ESCALATION, S.REJECTED): (S.CLOSED, tuple(CaseKind), {}),
    (K.EVIDENCE, S.AWAITING_EVIDENCE): (S.UNDER_REVIEW, tuple(CaseKind), {}),
    (K.APPEAL, S.DECIDED): (S.CLOSED, tuple(CaseKind), {}),
}


def _why(kind: str, to: str) -> str:
    why = f"{K(kind).label}: deadline passed"
    return f"{why}: approved automatically" if to == S.AWAITING_RETURN else why


def _pure_move(deadline: Deadline) -> str | None:
    plan = PURE_MOVES.get((deadline.kind, deadline.case.status))
    if plan is None or deadline.case.kind not in plan[1]:
        return None
    return plan[0]


def _consequence(deadline: Deadline, now: datetime) -> None:
    case = deadline.case
    kind, status = deadline.kind, case.status
    why = f"{K(kind).label}: deadline passed"
    to = _pure_move(deadline)
    if to is not None:
        transition(
            case,
            to,
            party=Party.SYSTEM,
            actor=SYSTEM,
            now=now,
            reason=_why(kind, to),
            extra=PURE_MOVES[(kind, status)][2],
        )
    elif kind == K.MERCHANT_RESPONSE and status == S.AWAITING_MERCHANT:
        if case.kind == CaseKind.COMPLAINT:
            transition(
                case,
                S.ESCALATED,
                party=Party.SYSTEM,
                actor=SYSTEM,
                now=now,
                reason=why,
                extra={"escalated_at": now},
            )
        else:
            services.do_approve(case, who=AS_SYSTEM, now=now, reason=f"{why}: approved automatically")
    elif kind == K.MERCHANT_RECEIPT and status == S.RETURN_DELIVERED:
        services.do_confirm_receipt(case, who=AS_SYSTEM, now=now, note=f"{why}: refunded automatically")
    elif kind == K.REFUND and deadline.refund is not None and deadline.refund.status == RefundStatus.PENDING:
        refunds.advance_compensation(deadline.refund, now)
    elif kind in (K.FIRST_RESPONSE, K.NEXT_RESPONSE):
        for member in case.team.members.all() if case.team else []:
            inapp.notify(
                kind="aftersales.sla_missed",
                title=f"{case.number}: {K(kind).label} missed",
                link=f"/aftersales/{case.pk}/",
                user=member,
            )


def _claim(now: datetime, batch_size: int) -> list[int]:
    """Mark up to `batch_size` due running deadlines missed, oldest first; return their ids."""
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    table = Deadline._meta.db_table
    # 'open' is written out, not bound: SQLite uses a partial index only when the query's WHERE
    # visibly implies the index's condition.
    sql = (
        f"UPDATE {table} SET state = 'breached', breached_at = %s WHERE id IN ("  # noqa: S608 (no user input)
        f"SELECT id FROM {table} WHERE state = 'open' AND due_at <= %s ORDER BY due_at LIMIT %s{lock}"
        ") RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, batch_size])
        return [row[0] for row in cursor.fetchall()]


def _reopen(ids: list[int]) -> None:
    Deadline.objects.filter(pk__in=ids, state=DeadlineState.BREACHED).update(
        state=DeadlineState.OPEN, breached_at=None
    )


def handle(deadline: Deadline, now: datetime) -> bool:
    """Miss one deadline and apply its consequence (one by one; the tests and crash paths use it)."""
    missed = Deadline.objects.filter(pk=deadline.pk, state=DeadlineState.OPEN).update(
        state=DeadlineState.BREACHED, breached_at=now
    )
    if missed != 1:
        return False
    _consequence(deadline, now)
    return True


class DeadlineSweeper:
    name = "aftersales-deadlines"

    def run_once(self, now: datetime, batch_size: int) -> int:
        with transaction.atomic():
            ids = _claim(now, batch_size)
            if not ids:
                return 0
            claimed = list(
                # Moves name the shopper and merchant by id and read the order for its number: loading
                # personal data would only decrypt it for nothing.
                Deadline.objects.filter(pk__in=ids)
                .select_related("case__policy", "case__order", "case__team", "refund")
                .defer(*services.without_pii(Order, "case__order__"))
                .order_by("due_at", "id")
            )
            groups: dict[tuple[str, str], list[Deadline]] = defaultdict(list)
            one_by_one: list[Deadline] = []
            for deadline in claimed:
                to = _pure_move(deadline)
                if to is None:
                    one_by_one.append(deadline)
                else:
                    groups[(deadline.kind, deadline.case.status)].append(deadline)
            for (kind, status), rows in groups.items():
                to, _kinds, extra = PURE_MOVES[(kind, status)]
                try:
                    with transaction.atomic():
                        transition_many(
                            [d.case for d in rows],
                            to,
                            party=Party.SYSTEM,
                            actor=SYSTEM,
                            now=now,
                            reason=_why(kind, to),
                            extra=extra,
                        )
                except Exception:
                    log.exception("bulk move of %d %s deadlines failed; retried one by one", len(rows), kind)
                    for deadline in rows:  # the rolled-back move may have changed them in memory
                        deadline.case.refresh_from_db()
                    one_by_one.extend(rows)
            failed = 0
            for deadline in one_by_one:
                try:
                    with transaction.atomic():
                        _consequence(deadline, now)
                except Exception:
                    # One broken case must not hold back the rest; it stays due and is retried.
                    log.exception(
                        "deadline %s of case %s could not be applied", deadline.pk, deadline.case_id
                    )
                    _reopen([deadline.pk])
                    failed += 1
        return len(ids) - failed

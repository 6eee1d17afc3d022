"""The deadline sweeper: deadlines that pass act by themselves.

Steps of `run_once`:
1. In one transaction, claim up to `batch_size` running deadlines with `due_at <= now`, oldest first
   (the partial index on due_at over running deadlines makes this cost independent of history).
2. For each, in a savepoint: mark it missed with a conditional UPDATE (skip it if another worker got
   there first), then apply its consequence — the same action a person would take, as the system.
3. Commit. A worker killed before the commit leaves every claimed deadline running, so the next pass
   of any worker acts on it; one killed after has nothing left to redo. Nothing happens twice.

Consequences: merchant silent → approved; shopper does not answer or ship → closed; return not reported
delivered → taken as delivered; merchant does not confirm receipt → refunded; refund not paid → paid by
the platform from the merchant's deposit; no escalation → closed; evidence window over → under review;
appeal window over → closed; desk SLA missed → recorded and the team told.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from trustdesk.aftersales import refunds, services
from trustdesk.aftersales.flow import transition
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
from trustdesk.core.claims import claim_due
from trustdesk.notifications import inapp

log = logging.getLogger("trustdesk.aftersales.sweeper")
SYSTEM = Actor.system("deadline-sweeper")
AS_SYSTEM = services.Who(Party.SYSTEM, SYSTEM)
S = CaseStatus
K = DeadlineKind


def _consequence(deadline: Deadline, now: datetime) -> None:
    case = deadline.case
    kind, status = deadline.kind, case.status
    why = f"{K(kind).label}: deadline passed"
    if kind == K.MERCHANT_RESPONSE and status == S.AWAITING_MERCHANT:
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
    elif kind in (K.SHOPPER_REPLY, K.SHOPPER_SHIP) and status in (S.AWAITING_SHOPPER, S.AWAITING_RETURN):
        transition(
            case,
            S.CLOSED,
            party=Party.SYSTEM,
            actor=SYSTEM,
            now=now,
            reason=why,
            extra={"resolution": Resolution.LAPSED},
        )
    elif kind == K.RETURN_TRANSIT and status == S.RETURN_SHIPPED:
        transition(case, S.RETURN_DELIVERED, party=Party.SYSTEM, actor=SYSTEM, now=now, reason=why)
    elif kind == K.MERCHANT_RECEIPT and status == S.RETURN_DELIVERED:
        services.do_confirm_receipt(case, who=AS_SYSTEM, now=now, note=f"{why}: refunded automatically")
    elif kind == K.REFUND and deadline.refund is not None and deadline.refund.status == RefundStatus.PENDING:
        refunds.advance_compensation(deadline.refund, now)
    elif kind == K.ESCALATION and status == S.REJECTED:
        transition(case, S.CLOSED, party=Party.SYSTEM, actor=SYSTEM, now=now, reason=why)
    elif kind == K.EVIDENCE and status == S.AWAITING_EVIDENCE:
        transition(case, S.UNDER_REVIEW, party=Party.SYSTEM, actor=SYSTEM, now=now, reason=why)
    elif kind == K.APPEAL and status == S.DECIDED:
        transition(case, S.CLOSED, party=Party.SYSTEM, actor=SYSTEM, now=now, reason=why)
    elif kind in (K.FIRST_RESPONSE, K.NEXT_RESPONSE):
        for member in case.team.members.all() if case.team else []:
            inapp.notify(
                kind="aftersales.sla_missed",
                title=f"{case.number}: {K(kind).label} missed",
                link=f"/aftersales/{case.pk}/",
                user=member,
            )


def handle(deadline: Deadline, now: datetime) -> bool:
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
        handled = 0
        with transaction.atomic():
            due = Deadline.objects.filter(state=DeadlineState.OPEN, due_at__lte=now).order_by("due_at")
            for deadline in claim_due(
                due.select_related(
                    "case__policy", "case__order", "case__shopper", "case__merchant", "case__team", "refund"
                ),
                batch=batch_size,
            ):
                try:
                    with transaction.atomic():
                        handled += handle(deadline, now)
                except Exception:
                    # One broken case must not hold back the rest; it stays due and is retried.
                    log.exception(
                        "deadline %s of case %s could not be applied", deadline.pk, deadline.case_id
                    )
        return handled

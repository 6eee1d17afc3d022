"""Penalties (SPEC C1): imposed with a reason and evidence, applied to the merchant at once, open to
one appeal, and flagged for publication while they stand (C8 publishes them).

Each kind has one effect: a warning moves an active merchant to `warned`, a traffic restriction to
`restricted`, a suspension to `suspended`; a listing removal takes the listing down; a deposit
deduction lowers the deposit. An appeal that overturns the penalty undoes its effect.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from trustdesk.audit import services as audit
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, NotFound, ValidationFailed
from trustdesk.core.money import to_amount
from trustdesk.core.statemachine import StateMachine
from trustdesk.merchants import credit
from trustdesk.merchants.models import (
    Merchant,
    MerchantStatus,
    Penalty,
    PenaltyEvent,
    PenaltyKind,
    PenaltyState,
)
from trustdesk.merchants.services import LIFECYCLE, do_change_merchant_status
from trustdesk.notifications import outbox

P = PenaltyState
PENALTY = StateMachine(
    field="state",
    transitions={P.DECIDED: {P.APPEALED}, P.APPEALED: {P.UPHELD, P.OVERTURNED}},
    event_model=PenaltyEvent,
    subject_field="penalty",
)
STATUS_FOR = {
    PenaltyKind.WARNING: MerchantStatus.WARNED,
    PenaltyKind.TRAFFIC_RESTRICTION: MerchantStatus.RESTRICTED,
    PenaltyKind.SUSPENSION: MerchantStatus.SUSPENDED,
}
# A penalty never lightens the merchant's standing: a warning for a suspended merchant stays a record.
SEVERITY = ["active", "warned", "restricted", "suspended", "closed"]


def do_impose_penalty(
    merchant: Merchant,
    kind: str,
    *,
    actor: Actor,
    reason: str,
    evidence: list[dict[str, Any]],
    listing: Any = None,
    amount: Decimal | None = None,
    source: str = "",
) -> Penalty:
    if kind not in PenaltyKind.values:
        raise ValidationFailed(f"kind must be one of {', '.join(PenaltyKind.values)}")
    if not reason.strip():
        raise ValidationFailed("a penalty needs a reason the merchant can understand")
    if not evidence:
        raise ValidationFailed("a penalty needs at least one piece of evidence")
    if merchant.status == MerchantStatus.CLOSED:
        raise Conflict("the merchant is closed", code="invalid_transition")
    if kind == PenaltyKind.LISTING_REMOVAL and (listing is None or listing.shop.merchant_id != merchant.pk):
        raise ValidationFailed(
            "a listing removal names one of this merchant's listings", code="listing_required"
        )
    if kind == PenaltyKind.DEPOSIT_DEDUCTION:
        if amount is None or amount <= 0:
            raise ValidationFailed("a deposit deduction needs a positive amount", code="amount_required")
        if amount > merchant.deposit_amount:
            raise ValidationFailed(
                f"the deposit is {merchant.deposit_amount}; it cannot cover {amount}",
                code="deposit_insufficient",
            )
    with transaction.atomic():
        penalty = Penalty.objects.create(
            merchant=merchant,
            kind=kind,
            reason=reason.strip(),
            evidence=evidence,
            listing=listing,
            amount=to_amount(amount) if amount is not None else None,
            status_before=merchant.status,
            source=source,
            decided_by=actor.label,
            published=True,
        )
        PENALTY.record_initial(penalty, actor, reason.strip())
        audit.record(
            actor,
            "penalty.imposed",
            target=penalty,
            reason=reason.strip(),
            details={"merchant": merchant.pk, "kind": kind},
        )
        _apply(penalty, actor)
        _notify(penalty, "merchants.penalty_imposed")
        credit.recompute(merchant, reason=f"penalty {kind}")
    return penalty


def _apply(penalty: Penalty, actor: Actor) -> None:
    from trustdesk.listings.models import ListingStatus

    merchant = penalty.merchant
    target = STATUS_FOR.get(penalty.kind)  # type: ignore[call-overload]
    if target and SEVERITY.index(target) > SEVERITY.index(merchant.status):
        do_change_merchant_status(
            merchant, target, actor=actor, reason=f"penalty #{penalty.pk}: {penalty.reason}"
        )
    if penalty.kind == PenaltyKind.LISTING_REMOVAL and penalty.listing is not None:
        penalty.listing.status = ListingStatus.REMOVED
        penalty.listing.save(update_fields=["status"])
    if penalty.kind == PenaltyKind.DEPOSIT_DEDUCTION:
        merchant.deposit_amount -= penalty.amount
        merchant.save(update_fields=["deposit_amount"])


def _undo(penalty: Penalty, actor: Actor) -> None:
    from trustdesk.listings.models import ListingStatus

    merchant = penalty.merchant
    merchant.refresh_from_db()
    target = STATUS_FOR.get(penalty.kind)  # type: ignore[call-overload]
    if target and merchant.status == target and LIFECYCLE.can_move(merchant, penalty.status_before):
        do_change_merchant_status(
            merchant, penalty.status_before, actor=actor, reason=f"penalty #{penalty.pk} overturned on appeal"
        )
    if penalty.kind == PenaltyKind.LISTING_REMOVAL and penalty.listing is not None:
        penalty.listing.status = ListingStatus.ACTIVE
        penalty.listing.save(update_fields=["status"])
    if penalty.kind == PenaltyKind.DEPOSIT_DEDUCTION:
        merchant.deposit_amount += penalty.amount
        merchant.save(update_fields=["deposit_amount"])


def _notify(penalty: Penalty, event_type: str) -> None:
    """Tell the marketplace, which carries the penalty out (delisting, traffic limits, deposit)."""
    penalty.refresh_from_db(fields=["published"])
    outbox.enqueue(
        event_type,
        {
            "penalty": penalty.pk,
            "merchant": penalty.merchant.external_id,
            "kind": penalty.kind,
            "listing": penalty.listing.external_id if penalty.listing is not None else None,
            "amount": penalty.amount,
            "reason": penalty.reason,
            "published": penalty.published,
        },
        idempotency_key=f"{event_type}-{penalty.pk}",
    )


def get_penalty(pk: int) -> Penalty:
    penalty = Penalty.objects.select_related("merchant", "listing__shop").filter(pk=pk).first()
    if penalty is None:
        raise NotFound(f"no penalty {pk}")
    return penalty


def do_appeal(penalty: Penalty, *, actor: Actor, text: str) -> Penalty:
    if not text.strip():
        raise ValidationFailed("an appeal says why the penalty is wrong")
    if penalty.appeal_text:
        raise Conflict(
            "this penalty has already been appealed; only one appeal is allowed", code="already_appealed"
        )
    with transaction.atomic():
        PENALTY.move(
            penalty, P.APPEALED, actor=actor, reason=text.strip(), extra_updates={"appeal_text": text.strip()}
        )
        audit.record(actor, "penalty.appealed", target=penalty, reason=text.strip())
    return penalty


def do_decide_appeal(penalty: Penalty, *, actor: Actor, uphold: bool, reason: str) -> Penalty:
    if not reason.strip():
        raise ValidationFailed("an appeal decision needs a reason")
    to_state = P.UPHELD if uphold else P.OVERTURNED
    with transaction.atomic():
        PENALTY.move(
            penalty,
            to_state,
            actor=actor,
            reason=reason.strip(),
            extra_updates={"appeal_decision": reason.strip(), "published": uphold},
        )
        audit.record(actor, f"penalty.{to_state}", target=penalty, reason=reason.strip())
        if not uphold:
            _undo(penalty, actor)
        _notify(penalty, f"merchants.penalty_{to_state}")
        credit.recompute(penalty.merchant, reason=f"appeal {to_state}")
    return penalty

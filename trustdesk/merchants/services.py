"""Actions on merchants and shops as the marketplace reports them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from trustdesk.audit import services as audit
from trustdesk.core import pii
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, NotFound, ValidationFailed
from trustdesk.core.statemachine import StateMachine
from trustdesk.merchants import credit
from trustdesk.merchants.identity import IdentityInvalid, check_resident_id, check_uscc
from trustdesk.merchants.models import Merchant, MerchantEvent, MerchantStatus, Shop
from trustdesk.notifications import outbox

S = MerchantStatus
LIFECYCLE = StateMachine(
    field="status",
    transitions={
        S.ACTIVE: {S.WARNED, S.RESTRICTED, S.SUSPENDED, S.CLOSED},
        S.WARNED: {S.ACTIVE, S.RESTRICTED, S.SUSPENDED, S.CLOSED},
        S.RESTRICTED: {S.WARNED, S.ACTIVE, S.SUSPENDED, S.CLOSED},
        S.SUSPENDED: {S.RESTRICTED, S.ACTIVE, S.CLOSED},
        S.CLOSED: set(),
    },
    event_model=MerchantEvent,
    subject_field="merchant",
)


def checked_identity(uscc: str, legal_rep_id_number: str) -> tuple[str, str]:
    try:
        check_uscc(uscc)
    except IdentityInvalid as exc:
        raise ValidationFailed(f"uscc: {exc.message}", code="invalid_uscc") from None
    try:
        check_resident_id(legal_rep_id_number)
    except IdentityInvalid as exc:
        raise ValidationFailed(f"legal_rep_id_number: {exc.message}", code="invalid_resident_id") from None
    return uscc.strip(), legal_rep_id_number.strip().upper()


def do_create_merchant(
    *,
    actor: Actor,
    external_id: str,
    legal_name: str,
    uscc: str,
    legal_rep_name: str,
    legal_rep_id_number: str,
    contact_phone: str = "",
    contact_email: str = "",
    deposit_amount: Decimal = Decimal("0"),
    deposit_currency: str = "CNY",
    **extra: Any,
) -> Merchant:
    uscc, id_number = checked_identity(uscc, legal_rep_id_number)
    if Merchant.objects.filter(external_id=external_id).exists():
        raise Conflict(f"merchant {external_id!r} already exists", code="duplicate")
    if Merchant.objects.filter(uscc=uscc).exists():
        raise Conflict("another merchant already has this USCC", code="duplicate_uscc")
    with transaction.atomic():
        merchant = Merchant.objects.create(
            external_id=external_id,
            legal_name=legal_name,
            uscc=uscc,
            legal_rep_name=legal_rep_name,
            legal_rep_id_number=id_number,
            legal_rep_id_index=pii.blind_index(id_number),
            contact_phone=contact_phone,
            contact_email=contact_email,
            deposit_amount=deposit_amount,
            deposit_currency=deposit_currency,
            **extra,
        )
        LIFECYCLE.record_initial(merchant, actor, "mirrored from the marketplace")
        audit.record(actor, "merchant.created", target=merchant)
    return merchant


def get_merchant(external_id: str) -> Merchant:
    merchant = Merchant.objects.filter(external_id=external_id).first()
    if merchant is None:
        raise NotFound(f"no merchant {external_id!r}")
    return merchant


def do_update_merchant(merchant: Merchant, *, actor: Actor, changes: dict[str, Any]) -> Merchant:
    if "uscc" in changes or "legal_rep_id_number" in changes:
        uscc, id_number = checked_identity(
            changes.get("uscc", merchant.uscc),
            changes.get("legal_rep_id_number", merchant.legal_rep_id_number.reveal()),
        )
        changes["uscc"], changes["legal_rep_id_number"] = uscc, id_number
        changes["legal_rep_id_index"] = pii.blind_index(id_number)
        if Merchant.objects.filter(uscc=uscc).exclude(pk=merchant.pk).exists():
            raise Conflict("another merchant already has this USCC", code="duplicate_uscc")
    for name, value in changes.items():
        setattr(merchant, name, value)
    with transaction.atomic():
        merchant.save()
        audit.record(actor, "merchant.updated", target=merchant, details={"fields": sorted(changes)})
    return merchant


def do_change_merchant_status(
    merchant: Merchant, to_status: str, *, actor: Actor, reason: str
) -> MerchantEvent:
    if not reason.strip():
        raise ValidationFailed("a status change needs a reason")
    with transaction.atomic():
        event = LIFECYCLE.move(merchant, to_status, actor=actor, reason=reason)
        audit.record(
            actor,
            "merchant.status_changed",
            target=merchant,
            reason=reason,
            details={"from": event.from_state, "to": to_status},
        )
        # The marketplace enforces the status: it must hide a suspended merchant's listings at once.
        outbox.enqueue(
            "merchants.status_changed",
            {
                "merchant": merchant.external_id,
                "from": event.from_state,
                "to": to_status,
                "reason": reason,
                "can_sell": merchant.can_sell,
            },
            idempotency_key=f"merchant-event-{event.pk}",
        )
        # The status caps the credit score, so the tier and its consequences follow at once.
        credit.recompute(merchant, reason=f"status {to_status}")
    return event


def do_create_shop(merchant: Merchant, *, actor: Actor, external_id: str, name: str, **extra: Any) -> Shop:
    if Shop.objects.filter(external_id=external_id).exists():
        raise Conflict(f"shop {external_id!r} already exists", code="duplicate")
    return Shop.objects.create(merchant=merchant, external_id=external_id, name=name, **extra)


def get_shop(external_id: str) -> Shop:
    shop = Shop.objects.select_related("merchant").filter(external_id=external_id).first()
    if shop is None:
        raise NotFound(f"no shop {external_id!r}")
    return shop

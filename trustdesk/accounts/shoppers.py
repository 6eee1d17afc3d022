"""Actions on shoppers mirrored from the marketplace."""

from __future__ import annotations

from typing import Any

from trustdesk.accounts.models import Shopper
from trustdesk.core import pii
from trustdesk.core.errors import Conflict, NotFound


def do_create_shopper(
    *, external_id: str, display_name: str, phone: str = "", email: str = "", **extra: Any
) -> Shopper:
    if Shopper.objects.filter(external_id=external_id).exists():
        raise Conflict(f"shopper {external_id!r} already exists", code="duplicate")
    return Shopper.objects.create(
        external_id=external_id,
        display_name=display_name,
        phone=phone,
        email=email,
        phone_index=pii.blind_index(phone) if phone else "",
        **extra,
    )


def get_shopper(external_id: str) -> Shopper:
    shopper = Shopper.objects.filter(external_id=external_id).first()
    if shopper is None:
        raise NotFound(f"no shopper {external_id!r}")
    return shopper

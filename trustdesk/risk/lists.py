"""Block and allow lists of devices, IPs, payment fingerprints, addresses and emails, with expiry.

Addresses and emails are listed by their blind index, so a list never holds them in clear; the
console shows the masked form given when the entry was made.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from trustdesk.audit.services import record
from trustdesk.core import pii
from trustdesk.core.actors import Actor
from trustdesk.core.errors import NotFound, ValidationFailed
from trustdesk.risk.events import Event
from trustdesk.risk.models import ListEntry, ListKind
from trustdesk.risk.ruleset import bump_generation

HASHED = {ListKind.ADDRESS: pii.mask_address, ListKind.EMAIL: pii.mask_email}


def stored_value(kind: str, value: str) -> str:
    if kind == ListKind.EMAIL:
        return pii.blind_index(value.lower())
    if kind == ListKind.ADDRESS:
        return pii.blind_index(value)
    return value.strip()


def do_add_entry(
    *, actor: Actor, kind: str, value: str, action: str, reason: str, expires_at: datetime | None = None
) -> ListEntry:
    if kind not in ListKind.values:
        raise ValidationFailed(f"kind must be one of {', '.join(ListKind.values)}", code="invalid_kind")
    if action not in ("block", "allow"):
        raise ValidationFailed("action must be block or allow", code="invalid_action")
    if not value.strip() or not reason.strip():
        raise ValidationFailed("a list entry needs a value and a reason", code="missing_fields")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("expires_at must be in the future", code="invalid_expiry")
    masker = HASHED.get(kind)  # type: ignore[call-overload]
    shown = masker(value) if masker else value.strip()
    with transaction.atomic():
        entry, _created = ListEntry.objects.update_or_create(
            kind=kind,
            value=stored_value(kind, value),
            action=action,
            defaults={"reason": reason, "expires_at": expires_at, "shown": shown, "created_by": actor.label},
        )
        record(
            actor, f"risk.list.{action}", target=entry, reason=reason, details={"kind": kind, "shown": shown}
        )
        bump_generation()
    return entry


def do_remove_entry(pk: int, *, actor: Actor) -> None:
    entry = ListEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise NotFound(f"no list entry {pk}")
    with transaction.atomic():
        record(actor, "risk.list.remove", target=entry, details={"kind": entry.kind, "shown": entry.shown})
        entry.delete()
        bump_generation()


def live_entries(now: datetime | None = None):
    moment = now or timezone.now()
    return ListEntry.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=moment))


Snapshot = dict[tuple[str, str], list[tuple[str, datetime | None]]]


def snapshot() -> Snapshot:
    """Every live entry, (kind, value) -> [(action, expires_at)]. The engine cache holds one per
    generation, so a decision looks lists up in memory; each list change moves the generation."""
    found: Snapshot = {}
    for kind, value, action, expires in live_entries().values_list("kind", "value", "action", "expires_at"):
        found.setdefault((kind, value), []).append((action, expires))
    return found


_KINDS = tuple(ListKind.values)
_NO_FLAGS = {f"{kind}_{action}": False for kind in _KINDS for action in ("blocked", "allowed")}


def flags(event: Event, found: Snapshot, now: datetime) -> dict[str, bool]:
    result = dict(_NO_FLAGS)
    if not found:
        return result
    for kind in _KINDS:
        value = getattr(event, kind)
        for action, expires in found.get((kind, value), ()) if value else ():
            if expires is None or expires > now:
                result[f"{kind}_{'blocked' if action == 'block' else 'allowed'}"] = True
    return result


def prune_expired(now: datetime) -> int:
    gone, _ = ListEntry.objects.filter(expires_at__lte=now).delete()
    if gone:
        bump_generation()
    return gone

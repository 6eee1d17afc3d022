"""The declared features, the counters an event touches, and the backend interface."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from trustdesk.risk.events import Event

WINDOWS = {"10m": 600, "1h": 3600, "24h": 86400, "7d": 7 * 86400}
BUCKETS_PER_WINDOW = 10
ANY = frozenset({"*"})


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    entity: tuple[str, ...]
    types: frozenset[str]
    window: str
    agg: str = "count"  # count | sum (of amount) | distinct (of `of`)
    of: str = ""
    # Derived once: touches() reads them for every feature of every event.
    seconds: int = field(init=False, repr=False, compare=False)
    step: int = field(init=False, repr=False, compare=False)
    # The digest of a counter's name with the feature's part already in: touches() copies it and
    # adds the entity values, which gives the same digest as hashing the whole name at once.
    named: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "seconds", WINDOWS[self.window])
        object.__setattr__(self, "step", WINDOWS[self.window] // BUCKETS_PER_WINDOW)
        object.__setattr__(self, "named", hashlib.blake2b(f"{self.name}\x1f".encode(), digest_size=16))


def _f(name: str, entity: str, types: str, window: str, agg: str = "count", of: str = "") -> FeatureSpec:
    kinds = ANY if types == "*" else frozenset(types.split(","))
    return FeatureSpec(name, tuple(entity.split("+")), kinds, window, agg, of)


FEATURES: tuple[FeatureSpec, ...] = (
    _f("user_orders_1h", "user", "order.created", "1h"),
    _f("user_orders_24h", "user", "order.created", "24h"),
    _f("user_amount_24h", "user", "order.created", "24h", "sum"),
    _f("user_payment_failures_1h", "user", "payment.failed", "1h"),
    _f("user_login_failures_1h", "user", "login.failed", "1h"),
    _f("user_account_changes_24h", "user", "account.changed", "24h"),
    _f("user_refunds_7d", "user", "refund.requested", "7d"),
    _f("user_device_events_7d", "user+device", "*", "7d"),
    _f("device_users_24h", "device", "*", "24h", "distinct", "user"),
    _f("ip_users_1h", "ip", "*", "1h", "distinct", "user"),
    _f("ip_login_failures_10m", "ip", "login.failed", "10m"),
    _f("card_failures_10m", "payment_fingerprint", "payment.failed", "10m"),
    _f("card_attempts_10m", "payment_fingerprint", "payment.attempted,payment.failed", "10m"),
    _f("card_users_7d", "payment_fingerprint", "*", "7d", "distinct", "user"),
    _f("address_users_7d", "address", "order.created", "7d", "distinct", "user"),
    _f("merchant_orders_10m", "merchant", "order.created", "10m"),
    _f("merchant_orders_24h", "merchant", "order.created", "24h"),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)


class Touch(NamedTuple):
    """One counter an event reads, and (when `update`) adds itself to. (A tuple: made 17 times per
    event, where a frozen dataclass's slower construction showed in the profile.)"""

    spec: FeatureSpec
    key: str
    bucket: int
    update: bool
    value: float = 1.0
    member: str = ""

    @property
    def oldest(self) -> int:
        return self.bucket - (BUCKETS_PER_WINDOW - 1) * self.spec.step


# The features grouped by the entity they count, in declaration order within a group: an event's
# entity values are read and checked once per group instead of once per feature.
_BY_ENTITY: tuple[tuple[tuple[str, ...], tuple[FeatureSpec, ...]], ...] = tuple(
    (entity, tuple(f for f in FEATURES if f.entity == entity))
    for entity in dict.fromkeys(f.entity for f in FEATURES)
)


# Touches are built with tuple.__new__ directly: a NamedTuple's own constructor is a Python function,
# one call per touch, which cost a quarter of touches() (in-process: 21 → 15 µs an event).
_new_tuple = tuple.__new__


def touches(event: Event) -> list[Touch]:
    """Every feature whose entity the event names: read always, updated when the type matches."""
    at = int(event.occurred_at.timestamp())
    kind = event.type
    found: list[Touch] = []
    for entity, specs in _BY_ENTITY:
        if len(entity) == 1:
            value = getattr(event, entity[0])
            if not value:
                continue
            joined = value.encode()
        else:
            values = [getattr(event, part) for part in entity]
            if not all(values):
                continue
            joined = "\x1f".join(values).encode()
        for spec in specs:
            member = getattr(event, spec.of) if spec.of else ""
            update = (spec.types is ANY or kind in spec.types) and (spec.agg != "distinct" or bool(member))
            # The counter's name: a digest of the feature and its entity values, so keys have one length.
            digest = spec.named.copy()
            digest.update(joined)
            touch = (spec, digest.hexdigest(), at - at % spec.step, update, event.amount, member)
            found.append(_new_tuple(Touch, touch))
    return found


class FeatureBackend(Protocol):
    name: str
    # Whether the counters are rows of the database, written in the transaction that stores the events.
    in_database: bool

    def apply(self, event: Event, first_time: bool) -> dict[str, float]:
        """Add the event to its counters (unless seen before) and return every feature's value."""
        ...

    def apply_batch(
        self, events: Sequence[Event], found: Sequence[list[Touch]] | None = None
    ) -> Iterable[dict[str, float]]:
        """`apply` for each new event of a batch in order, each seeing the ones before it. `found`: the
        events' touches, when the caller worked them out beforehand (outside its transaction)."""
        ...

    def prune(self, now_epoch: int) -> int:
        """Delete counters older than the longest window; returns how many went."""
        ...

    def clear(self) -> None:
        """Forget every counter (tests and the simulator's fresh worlds)."""
        ...


def empty_features() -> dict[str, float]:
    return dict.fromkeys(FEATURE_NAMES, 0)

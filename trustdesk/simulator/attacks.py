"""Scenario: the risk event stream — the marketplace's ordinary traffic with attacks mixed in, each event
carrying a ground-truth label, so that what trustdesk's risk engine catches can be measured.

Steps:
1. Starter rules go live (only into a database that has none), as an analyst would write them.
2. Ordinary traffic comes from the simulated orders: each shopper logs in from their own devices and
   network, orders, pays (a card is sometimes declined first), now and then changes an address, asks
   for a refund of an order cancelled after payment, or writes to the shop. All of it is legitimate.
3. Attacks are played at random moments of the period: card testing, account takeover, promo abuse,
   refund abuse and fraud rings (whose orders come back as chargebacks weeks later), plus merchants
   who ask shoppers to pay outside the platform. All of it is fraud.
4. Every event goes through the same validation and `decide()` as `POST /api/v1/events`, in time order
   and in batches. The first two thirds of the period are decided by the rules alone; then the model is
   trained on those labels (as `trustdesk risk train` does) and the last third is decided with it, so
   the model's figures on that last third are a true, later-in-time hold-out.
5. Ground-truth labels are written on the stored events (label source `simulator`), and the detection
   per attack kind is measured and summarised.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from trustdesk.core.actors import SIMULATOR
from trustdesk.orders.models import Order
from trustdesk.simulator import people
from trustdesk.simulator.world import PREFIX, World

BATCH = 500
ATTACK_KINDS = (
    "card_testing",
    "account_takeover",
    "promo_abuse",
    "refund_abuse",
    "fraud_ring",
    "off_platform",
)

STARTER_RULES: tuple[tuple[str, str, str, str], ...] = (
    (
        "card-testing",
        "event.type == 'payment.attempted' && features.card_failures_10m >= 3",
        "block",
        "a card that failed three times in ten minutes is being tested",
    ),
    (
        "device-farm",
        "features.device_users_24h >= 4",
        "review",
        "four or more accounts on one device within a day",
    ),
    (
        "address-farm",
        "event.type == 'order.created' && features.address_users_7d >= 4",
        "review",
        "four or more accounts ship to one address within a week",
    ),
    (
        "shared-card",
        "features.card_users_7d >= 3",
        "review",
        "one card used by three or more accounts within a week",
    ),
    (
        "takeover-order",
        "event.type == 'order.created' && features.user_account_changes_24h >= 2 "
        "&& features.user_device_events_7d <= 3",
        "review",
        "order from a fresh device right after credential and address changes",
    ),
    (
        "refund-abuse",
        "event.type == 'refund.requested' && features.user_refunds_7d >= 3",
        "review",
        "third refund request within a week",
    ),
    (
        "off-platform-payment",
        "event.message_verdict == 'block'",
        "review",
        "a message asks for payment outside the platform",
    ),
    (
        "poor-credit-large-order",
        "event.type == 'order.created' && shopper.credit_tier == 'poor' && event.amount >= 500.0",
        "review",
        "large order from a shopper with poor credit",
    ),
)

_LEGIT_MESSAGES = (
    "请问这件还有货吗？",
    "什么时候发货呀",
    "Can you ship this before the weekend?",
    "尺码偏大还是偏小？",
    "Is the colour the same as in the photo?",
    "收到了，质量很好，谢谢",
)
_SCAM_MESSAGES = (
    "亲，加微信 {wx} 私下转账可以再便宜50",
    "平台手续费太高，私下交易给你打八折，vx：{wx}",
    "pay me directly by bank transfer and I'll add a gift, wechat {wx}",
    "扫码付款更快 https://pay.{wx}.example/qr?id=8",
    "加 Q Q １２３４５６７８ 详聊，不走平台",
)


@dataclass
class Stream:
    """The events of a run, their ground truth, and which attack each fraudulent event belongs to."""

    events: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # event id -> fraud | legit
    attack_of: dict[str, tuple[str, int]] = field(default_factory=dict)  # event id -> (kind, unit)
    counter: int = 0

    def add(self, at: datetime, body: dict[str, Any], attack: tuple[str, int] | None = None) -> str:
        self.counter += 1
        event_id = f"{PREFIX}ev{self.counter:07d}"
        body = {"id": event_id, "occurred_at": at.isoformat(), **body}
        self.events.append((at, body))
        self.truth[event_id] = "fraud" if attack else "legit"
        if attack:
            self.attack_of[event_id] = attack
        return event_id


@dataclass
class Detection:
    """Per attack kind: attack units played and caught (an event reviewed/blocked or an alert), and the
    share of legitimate events that were held or blocked."""

    units: dict[str, int] = field(default_factory=dict)
    caught: dict[str, int] = field(default_factory=dict)
    fraud_events: int = 0
    fraud_flagged: int = 0
    legit_events: int = 0
    legit_flagged: int = 0
    model: dict[str, Any] = field(default_factory=dict)

    def recall(self, kind: str) -> float:
        return self.caught.get(kind, 0) / self.units[kind] if self.units.get(kind) else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.legit_flagged / self.legit_events if self.legit_events else 0.0


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=6).hexdigest()


def _home(seed: int, user: str) -> tuple[str, str]:
    """A shopper's usual device and network, the same on every run with the same seed."""
    return f"dv_{_digest(seed, user, 'device')}", f"10.{int(_digest(seed, user)[:4], 16) % 250}.0.1"


def normal_traffic(world: World, stream: Stream, rng: random.Random) -> None:
    seed = world.config.seed
    orders = (
        Order.objects.filter(external_id__startswith=PREFIX)
        .select_related("shopper", "shop__merchant")
        .prefetch_related("payments")
        .order_by("placed_at", "id")
    )
    second_device: dict[str, str] = {}
    for order in orders.iterator(chunk_size=1000):
        user = order.shopper.external_id
        device, ip = _home(seed, user)
        if rng.random() < 0.25:
            # Phone and laptop: a second device, and now and then a family member's shared one.
            device = second_device.setdefault(user, f"dv_{_digest(seed, user, 'second')}")
        at = order.placed_at
        address = order.shipping_address.reveal()
        merchant = order.shop.merchant.external_id
        amount = str(order.total_amount)
        common = {"user": user, "device": device, "ip": ip}
        if rng.random() < 0.3:
            if rng.random() < 0.05:
                stream.add(at - timedelta(minutes=3), {"type": "login.failed", **common})
            stream.add(at - timedelta(minutes=2), {"type": "login.succeeded", **common})
        if rng.random() < 0.01:
            stream.add(
                at - timedelta(minutes=1),
                {"type": "account.changed", "change": "address", "shipping_address": address, **common},
            )
        stream.add(
            at,
            {
                "type": "order.created",
                "order": order.external_id,
                "merchant": merchant,
                "amount": amount,
                "shipping_address": address,
                **common,
            },
        )
        for payment in order.payments.all():
            kind = "payment.attempted" if payment.status == "succeeded" else "payment.failed"
            stream.add(
                payment.at,
                {
                    "type": kind,
                    "order": order.external_id,
                    "amount": str(payment.amount),
                    "payment_fingerprint": payment.payment_fingerprint or f"fp_{_digest(seed, user, 'card')}",
                    **common,
                },
            )
        if rng.random() < 0.03:
            stream.add(
                at + timedelta(hours=rng.uniform(1, 30)),
                {
                    "type": "message.sent",
                    "user": user,
                    "merchant": merchant,
                    "text": rng.choice(_LEGIT_MESSAGES),
                },
            )
        if order.cancelled_at and order.paid_at:
            stream.add(
                order.cancelled_at,
                {"type": "refund.requested", "order": order.external_id, "amount": amount, **common},
            )


def _moment(rng: random.Random, world: World) -> datetime:
    start = world.start + timedelta(days=3)
    span = (world.until - timedelta(days=1) - start).total_seconds()
    return start + timedelta(seconds=rng.uniform(0, max(span, 3600)))


def _card_testing(world: World, stream: Stream, rng: random.Random, unit: int) -> None:
    tag = ("card_testing", unit)
    at = _moment(rng, world)
    device, ip = f"dv_ct{unit:03d}", f"45.{unit % 250}.{rng.randint(0, 250)}.7"
    cards = [f"fp_stolen_{_digest(world.config.seed, 'ct', unit, i)}" for i in range(rng.randint(3, 6))]
    user = f"{PREFIX}ct{unit:03d}"
    stream.add(at, {"type": "login.succeeded", "user": user, "device": device, "ip": ip}, tag)
    for n, card in enumerate(cards):
        for attempt in range(rng.randint(3, 7)):
            at += timedelta(seconds=rng.uniform(5, 40))
            body = {
                "type": "payment.failed",
                "user": user,
                "device": device,
                "ip": ip,
                "order": f"{PREFIX}cto{unit:03d}-{n}-{attempt}",
                "amount": f"{rng.uniform(0.5, 3):.2f}",
                "payment_fingerprint": card,
            }
            stream.add(at, body, tag)
        if rng.random() < 0.5:
            at += timedelta(seconds=rng.uniform(5, 40))
            order = f"{PREFIX}cto{unit:03d}-{n}"
            amount = f"{rng.uniform(800, 4000):.2f}"
            stream.add(
                at,
                {
                    "type": "order.created",
                    "user": user,
                    "device": device,
                    "ip": ip,
                    "order": order,
                    "merchant": rng.choice(world.merchants).merchant.external_id,
                    "amount": amount,
                },
                tag,
            )
            stream.add(
                at + timedelta(seconds=3),
                {
                    "type": "payment.attempted",
                    "user": user,
                    "device": device,
                    "ip": ip,
                    "order": order,
                    "amount": amount,
                    "payment_fingerprint": card,
                },
                tag,
            )


def _account_takeover(world: World, stream: Stream, rng: random.Random, unit: int) -> None:
    tag = ("account_takeover", unit)
    victim = rng.choice(world.shoppers)
    user = victim.shopper.external_id
    at = _moment(rng, world)
    device, ip = f"dv_ato{unit:03d}", f"103.{unit % 250}.{rng.randint(0, 250)}.9"
    for _ in range(rng.randint(2, 6)):
        at += timedelta(seconds=rng.uniform(2, 20))
        stream.add(at, {"type": "login.failed", "user": user, "device": device, "ip": ip}, tag)
    at += timedelta(seconds=rng.uniform(5, 30))
    stream.add(at, {"type": "login.succeeded", "user": user, "device": device, "ip": ip}, tag)
    new_address = people.address(rng)
    for change in (rng.choice(("password", "phone", "email")), "address"):
        at += timedelta(minutes=rng.uniform(1, 10))
        body = {"type": "account.changed", "user": user, "device": device, "ip": ip, "change": change}
        if change == "address":
            body["shipping_address"] = new_address
        stream.add(at, body, tag)
    for n in range(rng.randint(1, 2)):
        at += timedelta(minutes=rng.uniform(2, 20))
        order, amount = f"{PREFIX}atoo{unit:03d}-{n}", f"{rng.uniform(1500, 8000):.2f}"
        common = {"user": user, "device": device, "ip": ip, "order": order, "amount": amount}
        stream.add(
            at,
            {
                "type": "order.created",
                "merchant": rng.choice(world.merchants).merchant.external_id,
                "shipping_address": new_address,
                **common,
            },
            tag,
        )
        card = rng.choice(victim.payment_fingerprints)
        stream.add(
            at + timedelta(seconds=5),
            {"type": "payment.attempted", "payment_fingerprint": card, **common},
            tag,
        )


def _promo_abuse(world: World, stream: Stream, rng: random.Random, unit: int) -> None:
    tag = ("promo_abuse", unit)
    at = _moment(rng, world)
    device, ip, address = f"dv_pa{unit:03d}", f"58.{unit % 250}.1.{rng.randint(2, 250)}", people.address(rng)
    merchant = rng.choice(world.merchants).merchant.external_id
    for n in range(rng.randint(5, 12)):
        user = f"{PREFIX}pa{unit:03d}-{n}"
        at += timedelta(minutes=rng.uniform(3, 15))
        common = {"user": user, "device": device, "ip": ip}
        stream.add(at, {"type": "login.succeeded", **common}, tag)
        order, amount = f"{PREFIX}pao{unit:03d}-{n}", f"{rng.uniform(9.9, 49):.2f}"
        stream.add(
            at + timedelta(minutes=1),
            {
                "type": "order.created",
                "order": order,
                "merchant": merchant,
                "amount": amount,
                "shipping_address": address,
                **common,
            },
            tag,
        )
        stream.add(
            at + timedelta(minutes=2),
            {
                "type": "payment.attempted",
                "order": order,
                "amount": amount,
                "payment_fingerprint": f"fp_pa_{_digest(unit, n)}",
                **common,
            },
            tag,
        )


def _refund_abuse(world: World, stream: Stream, rng: random.Random, unit: int) -> None:
    tag = ("refund_abuse", unit)
    at = _moment(rng, world)
    user = f"{PREFIX}ra{unit:03d}"
    device, ip = f"dv_ra{unit:03d}", f"36.{unit % 250}.2.{rng.randint(2, 250)}"
    common = {"user": user, "device": device, "ip": ip}
    card = f"fp_ra_{_digest(unit)}"
    for n in range(rng.randint(3, 6)):
        at += timedelta(hours=rng.uniform(4, 30))
        order, amount = f"{PREFIX}rao{unit:03d}-{n}", f"{rng.uniform(150, 900):.2f}"
        body = {"order": order, "amount": amount, **common}
        merchant = rng.choice(world.merchants).merchant.external_id
        stream.add(at, {"type": "order.created", "merchant": merchant, **body}, tag)
        stream.add(
            at + timedelta(seconds=20),
            {"type": "payment.attempted", "payment_fingerprint": card, **body},
            tag,
        )
        stream.add(at + timedelta(days=rng.uniform(1, 3)), {"type": "refund.requested", **body}, tag)


def _fraud_ring(world: World, stream: Stream, rng: random.Random, unit: int) -> None:
    tag = ("fraud_ring", unit)
    # Early enough for the chargebacks, which come weeks later, to arrive within the period.
    at = max(min(_moment(rng, world), world.until - timedelta(days=27)), world.start)
    devices = [f"dv_fr{unit:03d}-{i}" for i in range(2)]
    cards = [f"fp_fr_{_digest(unit, i)}" for i in range(2)]
    addresses = [people.address(rng) for _ in range(2)]
    members = [f"{PREFIX}fr{unit:03d}-{i}" for i in range(rng.randint(3, 6))]
    for n, user in enumerate(members):
        for k in range(rng.randint(1, 3)):
            at += timedelta(minutes=rng.uniform(5, 90))
            common = {"user": user, "device": rng.choice(devices), "ip": f"27.{unit % 250}.9.{n + 2}"}
            order, amount = f"{PREFIX}fro{unit:03d}-{n}-{k}", f"{rng.uniform(1200, 6000):.2f}"
            stream.add(
                at,
                {
                    "type": "order.created",
                    "order": order,
                    "merchant": rng.choice(world.merchants).merchant.external_id,
                    "amount": amount,
                    "shipping_address": rng.choice(addresses),
                    **common,
                },
                tag,
            )
            stream.add(
                at + timedelta(seconds=30),
                {
                    "type": "payment.attempted",
                    "order": order,
                    "amount": amount,
                    "payment_fingerprint": rng.choice(cards),
                    **common,
                },
                tag,
            )
            later = at + timedelta(days=rng.uniform(10, 25))
            if later < world.until and (k == 0 or rng.random() < 0.6):
                stream.add(
                    later,
                    {"type": "chargeback.received", "order": order, "amount": amount, "user": user},
                    tag,
                )


def _off_platform(world: World, stream: Stream, rng: random.Random, unit: int) -> None:
    tag = ("off_platform", unit)
    at = _moment(rng, world)
    merchant = rng.choice(world.merchants).merchant.external_id
    handle = f"shop{_digest(unit)[:6]}"
    for _ in range(rng.randint(1, 3)):
        at += timedelta(minutes=rng.uniform(1, 120))
        text = rng.choice(_SCAM_MESSAGES).format(wx=handle)
        stream.add(
            at, {"type": "message.sent", "user": f"{merchant}-staff", "merchant": merchant, "text": text}, tag
        )


ATTACKS = {
    "card_testing": _card_testing,
    "account_takeover": _account_takeover,
    "promo_abuse": _promo_abuse,
    "refund_abuse": _refund_abuse,
    "fraud_ring": _fraud_ring,
    "off_platform": _off_platform,
}


def attack_traffic(world: World, stream: Stream, rng: random.Random) -> dict[str, int]:
    units = max(2, world.config.orders // 400)
    for kind in ATTACK_KINDS:
        for unit in range(units):
            ATTACKS[kind](world, stream, rng, unit)
    return dict.fromkeys(ATTACK_KINDS, units)


def seed_rules() -> int:
    from trustdesk.risk import ruleset
    from trustdesk.risk.models import Rule

    if Rule.objects.exists():
        return 0
    for name, condition, action, reason in STARTER_RULES:
        version = ruleset.do_save_version(
            actor=SIMULATOR, name=name, condition=condition, action=action, reason=reason
        )
        ruleset.do_set_mode(version, "active", actor=SIMULATOR, reason="starter rule")
    return len(STARTER_RULES)


def _decide_all(events: list[dict[str, Any]]) -> None:
    from trustdesk.risk.decisions import decide
    from trustdesk.risk.events import validate_batch

    for first in range(0, len(events), BATCH):
        valid, errors = validate_batch({"events": events[first : first + BATCH]})
        if errors:
            raise ValueError(f"the simulator made an invalid event: {errors[0]}")
        decide(valid)


def _label(truth: dict[str, str], ids: list[str]) -> None:
    from trustdesk.risk.models import RiskEvent

    by_label: dict[str, list[str]] = defaultdict(list)
    for event_id in ids:
        by_label[truth[event_id]].append(event_id)
    for label, chunk_ids in by_label.items():
        for first in range(0, len(chunk_ids), 900):
            RiskEvent.objects.filter(event_id__in=chunk_ids[first : first + 900]).update(
                label=label, label_source="simulator"
            )


def measure(stream: Stream, units: dict[str, int]) -> Detection:
    """What the engine caught, per attack unit and per event, from the stored decisions and alerts."""
    from trustdesk.risk.models import Alert, RiskEvent

    flagged = set(
        RiskEvent.objects.filter(event_id__startswith=PREFIX, decision__in=("review", "block")).values_list(
            "event_id", flat=True
        )
    )
    alerted = set(Alert.objects.values_list("subject", flat=True))
    subjects: dict[tuple[str, int], set[str]] = defaultdict(set)
    for _, body in stream.events:
        attack = stream.attack_of.get(body["id"])
        if attack:
            subjects[attack].update(v for k, v in body.items() if k in ("user", "payment_fingerprint") and v)
    report = Detection(units=dict(units))
    caught: set[tuple[str, int]] = set()
    for event_id, label in stream.truth.items():
        hit = event_id in flagged
        if label == "fraud":
            report.fraud_events += 1
            report.fraud_flagged += hit
            if hit:
                caught.add(stream.attack_of[event_id])
        else:
            report.legit_events += 1
            report.legit_flagged += hit
    caught |= {attack for attack, names in subjects.items() if names & alerted}
    for kind, _unit in caught:
        report.caught[kind] = report.caught.get(kind, 0) + 1
    return report


def _model_holdout(ids: list[str], truth: dict[str, str]) -> dict[str, Any]:
    """ROC-AUC and PR-AUC of the stored scores on the later third, decided by the model trained before it."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from trustdesk.risk.models import RiskEvent

    scores = dict(RiskEvent.objects.filter(event_id__startswith=PREFIX).values_list("event_id", "score"))
    ys = [1 if truth[i] == "fraud" else 0 for i in ids]
    xs = [scores.get(i, 0.0) for i in ids]
    if len(set(ys)) < 2:
        return {}
    return {
        "later_roc_auc": round(float(roc_auc_score(ys, xs)), 4),
        "later_pr_auc": round(float(average_precision_score(ys, xs)), 4),
        "later_rows": len(ys),
        "later_fraud": sum(ys),
    }


def play(world: World) -> Detection:
    from trustdesk.core.errors import ValidationFailed
    from trustdesk.risk import ml

    rng = world.rng("risk")
    rules = seed_rules()
    stream = Stream()
    normal_traffic(world, stream, rng)
    units = attack_traffic(world, stream, rng)
    stream.events.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    bodies = [body for _, body in stream.events]
    ids = [body["id"] for body in bodies]
    cut = world.start + (world.until - world.start) * 2 / 3
    split = next((i for i, (at, _) in enumerate(stream.events) if at >= cut), len(bodies))
    model: dict[str, Any] = {}
    with transaction.atomic():
        _decide_all(bodies[:split])
        _label(stream.truth, ids[:split])
    try:
        trained = ml.train(actor=SIMULATOR)
        model = {"version": trained.version, **trained.metrics}
    except ValidationFailed:
        pass  # Too few labels in a tiny world: the rest is decided by the rules alone.
    with transaction.atomic():
        _decide_all(bodies[split:])
        _label(stream.truth, ids[split:])
    if model:
        model.update(_model_holdout(ids[split:], stream.truth))
    report = measure(stream, units)
    report.model = model
    caught = ", ".join(f"{kind} {report.caught.get(kind, 0)}/{n}" for kind, n in units.items())
    sentence = (
        f"The risk engine decided {len(bodies)} events ({report.fraud_events} from attacks, labelled) "
        f"with {rules} starter rules: attacks caught {caught}; "
        f"{report.false_positive_rate:.1%} of legitimate events were held or blocked."
    )
    if model:
        sentence += (
            f" Model v{model['version']}: ROC-AUC {model['roc_auc']}, PR-AUC {model['pr_auc']} on its "
            f"held-out split"
            + (
                f", {model['later_roc_auc']} / {model['later_pr_auc']} on the later third"
                if "later_roc_auc" in model
                else ""
            )
            + "."
        )
    world.say(sentence)
    return report


def scenario(world: World) -> None:
    play(world)

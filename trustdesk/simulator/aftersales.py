"""Scenario: months of after-sales — requests on delivered orders, answered, missed and disputed.

A few percent of delivered order items get a request (return, refund only, exchange, repair or
complaint) a few days after delivery, written in Chinese or English. Each case then runs its whole life
at once through the same actions the API uses, with realistic delays: merchants answer within hours —
or, the sloppy ones more often, not at all, and the missed deadline acts by itself through the deadline
sweeper at its due time; shoppers ship their returns or let them lapse; some refusals are escalated, the
customer-service desk answers within its SLA (or misses it), an arbitrator asks for evidence and
decides, and a few decisions are appealed; refunds are paid by the merchant or advanced by the platform
from the deposit; shoppers answer the satisfaction survey. A step that would fall after the end of the
period is not taken, which leaves the latest cases in flight, their countdowns running.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from trustdesk.accounts.models import User
from trustdesk.accounts.services import do_create_user
from trustdesk.aftersales import arbitration, desk, refunds, services, sweeper
from trustdesk.aftersales.eligibility import check
from trustdesk.aftersales.models import (
    Case,
    CaseKind,
    CaseStatus,
    Deadline,
    DeadlineState,
    Outcome,
    Party,
    Policy,
    Reason,
    Refund,
    RefundStatus,
    Survey,
    Team,
)
from trustdesk.aftersales.policies import do_create_policy, do_scope_policy
from trustdesk.aftersales.services import Who
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError
from trustdesk.listings.models import Category
from trustdesk.orders.models import OrderItem
from trustdesk.simulator.world import PREFIX, World

SHARE = 0.05  # of delivered order items
MAX_CASES = 320  # keeps `make demo` quick whatever the order volume
BATCH = 40  # cases per transaction
S = CaseStatus
ARBITRATOR = Actor.system("arbitrator (simulated)")

# (kind, reason, weight); a request the item does not qualify for is refused and counted as such.
REQUESTS = [
    (CaseKind.RETURN_REFUND, Reason.NO_REASON, 30),
    (CaseKind.RETURN_REFUND, Reason.QUALITY, 10),
    (CaseKind.RETURN_REFUND, Reason.DAMAGED, 6),
    (CaseKind.REFUND_ONLY, Reason.NOT_AS_DESCRIBED, 10),
    (CaseKind.REFUND_ONLY, Reason.DAMAGED, 6),
    (CaseKind.EXCHANGE, Reason.WRONG_ITEM, 8),
    (CaseKind.EXCHANGE, Reason.NO_REASON, 5),
    (CaseKind.REPAIR, Reason.QUALITY, 9),
    (CaseKind.COMPLAINT, Reason.SERVICE, 10),
    (CaseKind.COMPLAINT, Reason.NOT_AS_DESCRIBED, 3),
]
TEXTS = {
    Reason.NO_REASON: [
        ("不想要了，申请七天无理由退货", "I changed my mind and would like to return it"),
        ("尺码不合适，想退掉", "Doesn't fit, I'd like to send it back"),
        ("拍错了，商品未拆封", "Ordered by mistake, still sealed"),
    ],
    Reason.QUALITY: [
        ("用了三天就坏了，开不了机", "Stopped working after three days, won't turn on"),
        ("质量太差，洗一次就掉色起球", "Poor quality: faded and pilled after one wash"),
        ("还在保修期内，出现故障想维修", "Faulty within the warranty, please repair it"),
    ],
    Reason.DAMAGED: [
        ("收到时外箱破损，商品也碎了", "The box was crushed and the item arrived broken"),
        ("包装烂了，里面漏液", "Arrived damaged, the bottle is leaking"),
    ],
    Reason.NOT_AS_DESCRIBED: [
        ("实物和图片差太多，与描述不符", "Looks nothing like the photos, not as described"),
        ("怀疑不是正品，做工和官网不一样", "This looks like a fake, not what the listing said"),
    ],
    Reason.WRONG_ITEM: [
        ("发错颜色了，我买的是黑色", "You sent the wrong colour, I ordered black"),
        ("收到的型号不对", "Wrong item: this is not the model I ordered"),
    ],
    Reason.SERVICE: [
        ("商家三天不回复消息，态度很差", "The seller ignored my messages for three days"),
        ("客服态度恶劣，还拉黑我", "Customer service was rude and blocked me"),
    ],
}
REFUSALS = [
    "商品已拆封使用，影响二次销售 · the item was used and cannot be resold",
    "照片显示为人为损坏，不属于质量问题 · the photos show damage from use, not a defect",
    "与商品描述一致，请查看详情页参数 · it matches the listing; see the specifications",
]
DECISION_REASONS = {
    Outcome.FULL_REFUND: "证据显示商品存在质量问题，应全额退款 · the evidence shows a defect: full refund",
    Outcome.PARTIAL_REFUND: "商品有瑕疵但可正常使用，酌情部分退款 · flawed but usable: partial refund",
    Outcome.REJECT: "证据不足以证明商品有问题，驳回申请 · the evidence does not show a fault: rejected",
}


def _hours(rng: random.Random, median: float, spread: float = 0.8) -> timedelta:
    """A log-normal delay: most close to the median, a long tail of slow ones."""
    return timedelta(hours=median * rng.lognormvariate(0, spread))


class _Case:
    """One case's life on its own clock; steps past the end of the period are not taken."""

    def __init__(self, world: World, rng: random.Random, case: Case, sloppy: bool, tally: Counter[str]):
        self.world, self.rng, self.case, self.sloppy, self.tally = world, rng, case, sloppy, tally
        self.at = case.opened_at
        self.shopper = Who(Party.SHOPPER, Actor.system("shopper (simulated)"), shopper_id=case.shopper_id)
        self.merchant = Who(
            Party.MERCHANT, Actor.system("merchant (simulated)"), merchant_id=case.merchant_id
        )

    def later(self, delay: timedelta) -> bool:
        if self.at + delay > self.world.until:
            return False
        self.at += delay
        return True

    def refresh(self) -> None:
        self.case.refresh_from_db()

    def miss(self, kind: str) -> bool:
        """Let the running deadline of `kind` pass: the sweeper applies its consequence at the due time."""
        deadline = (
            Deadline.objects.select_related("case__order", "case__policy", "case__team", "refund")
            .filter(case=self.case, kind=kind, state=DeadlineState.OPEN)
            .first()
        )
        if deadline is None or deadline.due_at > self.world.until:
            return False
        self.at = max(self.at, deadline.due_at)
        sweeper.handle(deadline, deadline.due_at)
        self.tally[f"missed {kind}"] += 1
        self.refresh()
        return True

    def miss_or_stop(self, kind: str) -> None:
        if not self.miss(kind):
            self._stop()

    def due(self, kind: str) -> datetime | None:
        deadline = Deadline.objects.filter(case=self.case, kind=kind, state=DeadlineState.OPEN).first()
        return deadline.due_at if deadline else None

    # --- the life of a case ---------------------------------------------------------------------

    def play(self) -> None:
        silent = self.rng.random() < (0.3 if self.sloppy else 0.06)
        if self.case.kind == CaseKind.COMPLAINT:
            self.desk()
        if silent:
            self.miss("merchant_response")
        elif self.later(_hours(self.rng, 6)):
            self.answer()
        else:
            return
        self.follow()

    def answer(self) -> None:
        roll = self.rng.random()
        if self.case.kind != CaseKind.COMPLAINT and roll < 0.14:
            services.do_reject(self.case, who=self.merchant, reason=self.rng.choice(REFUSALS), now=self.at)
        elif self.case.kind != CaseKind.COMPLAINT and roll < 0.22:
            services.do_request_info(
                self.case,
                who=self.merchant,
                question="请补充商品照片 · please add a photo of the item",
                now=self.at,
            )
            if self.rng.random() < 0.85 and self.later(_hours(self.rng, 20)):
                services.do_post_message(
                    self.case, who=self.shopper, body="已上传照片 · photo added", now=self.at
                )
                if self.later(_hours(self.rng, 5)):
                    services.do_approve(self.case, who=self.merchant, now=self.at)
            else:
                self.miss("shopper_reply")
        else:
            services.do_approve(self.case, who=self.merchant, note="同意 · approved", now=self.at)
        self.refresh()

    def follow(self) -> None:
        """Carry the case on from wherever the first answer left it, until it rests or time runs out."""
        for _step in range(12):
            status = self.case.status
            if status == S.AWAITING_RETURN:
                self.return_parcel()
            elif status == S.REFUNDING:
                self.pay()
            elif status == S.REJECTED:
                if self.rng.random() < 0.55 and self.later(_hours(self.rng, 18)):
                    services.do_escalate(
                        self.case,
                        who=self.shopper,
                        reason="商家拒绝不合理 · the refusal is unfair",
                        now=self.at,
                    )
                    self.refresh()
                    self.desk()
                elif not self.miss("escalation"):
                    return
            elif status in (S.ESCALATED, S.AWAITING_EVIDENCE, S.UNDER_REVIEW):
                if not self.arbitrate():
                    return
            elif status == S.DECIDED:
                if not self.after_decision():
                    return
            else:
                if Refund.objects.filter(case=self.case, status=RefundStatus.PENDING).exists():
                    self.pay()
                self.survey()
                return

    def return_parcel(self) -> None:
        if self.rng.random() < 0.08:
            self.miss_or_stop("shopper_ship")
            return
        if not self.later(_hours(self.rng, 30)):
            return self._stop()
        services.do_ship_return(self.case, who=self.shopper, carrier="SF", tracking_number="SF", now=self.at)
        if not self.later(_hours(self.rng, 60, 0.4)):
            return self._stop()
        services.do_record_return_delivered(self.case, actor=Actor.system("carrier (simulated)"), now=self.at)
        self.refresh()
        if self.rng.random() < (0.3 if self.sloppy else 0.08):
            self.miss_or_stop("merchant_receipt")
            return
        if not self.later(_hours(self.rng, 30)):
            return self._stop()
        if self.rng.random() < 0.05:
            services.do_reject(self.case, who=self.merchant, reason=self.rng.choice(REFUSALS), now=self.at)
        else:
            services.do_confirm_receipt(self.case, who=self.merchant, replacement_tracking="YT", now=self.at)
        self.refresh()

    def pay(self) -> None:
        for refund in Refund.objects.filter(case=self.case, status=RefundStatus.PENDING):
            if self.rng.random() < (0.35 if self.sloppy else 0.07):
                self.miss_or_stop("refund")
            elif self.later(_hours(self.rng, 20)):
                refunds.do_mark_refund_paid(
                    refund,
                    merchant=self.case.merchant,
                    actor=self.merchant.actor,
                    reference="SIM",
                    now=self.at,
                )
            else:
                return self._stop()
        self.refresh()
        if self.case.status == S.REFUNDING:
            self._stop()

    def desk(self) -> None:
        """The team that got the case assigns it and answers, usually within its SLA."""
        team = self.case.team
        agents = list(team.members.all()) if team else []
        due = self.due("first_response")
        if not agents or due is None:
            return
        agent = self.rng.choice(agents)
        desk.do_assign(self.case, agent=agent, actor=Actor.for_user(agent), now=self.at)
        late = self.rng.random() < 0.12
        if late:
            self.miss("first_response")
        reply_at = (
            due + _hours(self.rng, 1) if late else self.at + (due - self.at) * self.rng.uniform(0.1, 0.9)
        )
        if reply_at > self.world.until:
            return
        self.at = max(self.at, reply_at)
        intent = self.case.intent or "general"
        body = desk.suggested_reply(intent, self.case.language)
        desk.do_agent_reply(self.case, agent=agent, actor=Actor.for_user(agent), body=body, now=self.at)
        self.refresh()

    def arbitrate(self) -> bool:
        if self.case.status == S.ESCALATED and self.rng.random() < 0.6:
            if not self.later(_hours(self.rng, 10)):
                return False
            arbitration.do_request_evidence(self.case, who=_arbitrator(), now=self.at)
            self.refresh()
            start = self.at
            for who, chance in ((self.shopper, 0.9), (self.merchant, 0.65)):
                self.at = start
                if self.rng.random() < chance and self.later(_hours(self.rng, 20)):
                    arbitration.do_submit_statement(
                        self.case,
                        who=who,
                        body="见附件照片与聊天记录 · see the photos and chat log",
                        now=self.at,
                    )
                    self.refresh()
            if self.case.status == S.AWAITING_EVIDENCE and not self.miss("evidence"):
                return False
        if not self.later(_hours(self.rng, 30)):
            return False
        weights = (0, 40, 60) if self.case.kind == CaseKind.COMPLAINT else (35, 35, 30)
        outcome = self.rng.choices(list(DECISION_REASONS), weights=weights)[0]
        ceiling = arbitration.full_award(self.case)
        if ceiling <= Decimal("0.01") and outcome != Outcome.REJECT:
            outcome = Outcome.REJECT
        amount = (ceiling * Decimal(self.rng.uniform(0.3, 0.7))).quantize(Decimal("0.01"))
        arbitration.do_decide(
            self.case,
            who=_arbitrator(),
            outcome=outcome,
            reason=DECISION_REASONS[outcome],
            amount=amount if outcome == Outcome.PARTIAL_REFUND else None,
            now=self.at,
        )
        self.tally[f"decided {outcome}"] += 1
        self.refresh()
        return True

    def after_decision(self) -> bool:
        if Refund.objects.filter(case=self.case, status=RefundStatus.PENDING).exists():
            self.pay()
        if self.case.status == S.DECIDED and self.rng.random() < 0.1 and self.later(_hours(self.rng, 48)):
            side = self.merchant if self.case.resolution != "rejected" else self.shopper
            arbitration.do_appeal(
                self.case, who=side, reason="请求复核 · please review the decision", now=self.at
            )
            self.tally["appealed"] += 1
            self.refresh()
            return True
        if self.case.status == S.DECIDED:
            self.survey()
            return self.miss("appeal")
        return True

    def survey(self) -> None:
        open_survey = Survey.objects.filter(case=self.case, answered_at__isnull=True).exists()
        if not open_survey or self.rng.random() > 0.6:
            return
        if not self.later(_hours(self.rng, 24)):
            return
        good = self.case.resolution in ("refunded", "exchanged", "repaired", "answered")
        score = self.rng.choice((4, 5, 5) if good else (1, 2, 3, 4))
        services.do_answer_survey(self.case, who=self.shopper, score=score, now=self.at)

    def _stop(self) -> None:
        self.at = self.world.until + timedelta(seconds=1)


def _arbitrator() -> Who:
    return Who(Party.ARBITRATOR, ARBITRATOR)


def _holidays(start: date, end: date) -> list[str]:
    """New Year, Labour Day and National Day weeks of the years the period touches."""
    days = []
    for year in range(start.year, end.year + 1):
        days.append(date(year, 1, 1))
        days += [date(year, 5, d) for d in range(1, 6)]
        days += [date(year, 10, d) for d in range(1, 8)]
    return [d.isoformat() for d in days]


def _desk(world: World) -> list[Team]:
    """A round-the-clock team for escalations and an office-hours team for complaints, with agents."""
    start, end = world.start.date(), world.until.date()
    round_the_clock, _ = Team.objects.get_or_create(
        code=f"{PREFIX}disputes",
        defaults={"name": "平台介入 · Disputes (24 h)", "kinds": ["escalated"], "first_response_minutes": 60},
    )
    office, _ = Team.objects.get_or_create(
        code=f"{PREFIX}complaints",
        defaults={
            "name": "投诉 · Complaints (office hours)",
            "kinds": [CaseKind.COMPLAINT],
            "round_the_clock": False,
            "workday_start": time(9),
            "workday_end": time(18),
            "workdays": [1, 2, 3, 4, 5],
            "holidays": _holidays(start, end),
            "first_response_minutes": 120,
        },
    )
    for n, team in enumerate((round_the_clock, office, round_the_clock), start=1):
        username = f"{PREFIX}agent-{n}"
        user = User.objects.filter(username=username).first() or do_create_user(
            username, secrets.token_urlsafe(24), roles=["agent"], actor=Actor.system("simulator")
        )
        team.members.add(user)
    return [round_the_clock, office]


# Categories that a marketplace would not hold to the default clocks: fresh food cannot wait a week,
# and a custom-made piece takes its maker longer to answer for and to inspect when it comes back.
DEMO_POLICIES = {
    "fresh-food": (
        "fresh",
        "生鲜 · Fresh food",
        {"merchant_response_hours": 24, "shopper_ship_days": 3, "merchant_receipt_days": 3, "refund_days": 3},
    ),
    "custom-made": (
        "custom",
        "定制 · Custom-made",
        {"merchant_response_hours": 72, "merchant_receipt_days": 15},
    ),
}


def _policies() -> None:
    simulator = Actor.system("simulator")
    for category in Category.objects.filter(code__in=DEMO_POLICIES):
        code, name, periods = DEMO_POLICIES[category.code]
        if not Policy.objects.filter(code=f"{PREFIX}{code}").exists():
            policy = do_create_policy(f"{PREFIX}{code}", name, actor=simulator, periods=periods)
            do_scope_policy(policy, actor=simulator, category=category)


def play(world: World) -> None:
    rng = world.rng("aftersales")
    _desk(world)
    _policies()
    sloppy = {m.merchant.pk: m.sloppy for m in world.merchants}
    delivered = OrderItem.objects.filter(
        order__external_id__startswith=PREFIX, order__delivered_at__isnull=False
    ).order_by("order__delivered_at", "id")
    # Draw from ids only: loading every order would decrypt every shopper's address for nothing.
    picked = [pk for pk in delivered.values_list("id", flat=True) if rng.random() < SHARE][:MAX_CASES]
    loaded = OrderItem.objects.select_related("order__shop__merchant", "order__shopper", "category").in_bulk(
        picked
    )
    chosen = [loaded[pk] for pk in picked]
    kinds = [(kind, reason) for kind, reason, _w in REQUESTS]
    weights = [w for _k, _r, w in REQUESTS]
    tally: Counter[str] = Counter()
    for start in range(0, len(chosen), BATCH):
        with transaction.atomic():
            for item in chosen[start : start + BATCH]:
                _open_and_play(world, rng, item, rng.choices(kinds, weights)[0], sloppy, tally)
    _catch_up(world, tally)
    opened = tally["opened"]
    if not opened:
        world.say("Nobody asked for after-sales service.")
        return
    finished = Case.objects.filter(order__external_id__startswith=PREFIX, status__in=(S.RESOLVED, S.CLOSED))
    world.say(
        f"Shoppers opened {opened} after-sales requests ({tally['refused']} more were refused as "
        f"ineligible); {finished.count()} are settled, {tally['escalated']} were escalated to the "
        f"platform, and {sum(n for k, n in tally.items() if k.startswith('missed'))} deadlines were "
        "missed and acted by themselves."
    )


def _catch_up(world: World, tally: Counter[str]) -> None:
    """Deadlines that fell due before the end of the period while nobody acted: the sweeper applies
    each at its own due time, oldest first, as a worker running all along would have."""
    due = Deadline.objects.filter(
        case__order__external_id__startswith=PREFIX, state=DeadlineState.OPEN, due_at__lte=world.until
    ).select_related("case__order", "case__policy", "case__team", "refund")
    with transaction.atomic():
        for _round in range(100):
            batch = list(due.order_by("due_at", "id")[:200])
            if not batch:
                return
            for deadline in batch:
                with transaction.atomic():
                    if sweeper.handle(deadline, deadline.due_at):
                        tally[f"missed {deadline.kind}"] += 1


def _open_and_play(
    world: World,
    rng: random.Random,
    item: OrderItem,
    request: tuple[str, str],
    sloppy: dict[int, bool],
    tally: Counter[str],
) -> None:
    kind, reason = request
    assert item.order.delivered_at is not None
    opened_at = item.order.delivered_at + _hours(rng, 40, 0.9)
    if opened_at > world.until:
        return
    if not check(item, kind, reason, opened_at, item.quantity).eligible:
        tally["refused"] += 1
        return
    zh, en = rng.choice(TEXTS[Reason(reason)] if reason in TEXTS else TEXTS[Reason.QUALITY])
    who = Who(Party.SHOPPER, Actor.system("shopper (simulated)"), shopper_id=item.order.shopper_id)
    try:
        case = services.do_open_request(
            item,
            who=who,
            kind=kind,
            reason=reason,
            description=zh if rng.random() < 0.75 else en,
            quantity=item.quantity,
            now=opened_at,
        )
    except DomainError:
        tally["refused"] += 1
        return
    tally["opened"] += 1
    life = _Case(world, rng, case, sloppy.get(case.merchant_id, False), tally)
    try:
        with transaction.atomic():
            life.play()
    except DomainError:
        # A step the rules refuse (a simulated party acting out of turn) ends this case's story there.
        tally["cut short"] += 1
    if Case.objects.filter(pk=case.pk, escalated_at__isnull=False).exists():
        tally["escalated"] += 1

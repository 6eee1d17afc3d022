"""The customer-service desk: SLA calendars, queues and assignment, notes, the intent assistant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_aftersales_support import delivered_order, open_case, run_due, shop

from trustdesk.aftersales import desk
from trustdesk.aftersales.assistant import classify, suggest_reply
from trustdesk.aftersales.calendar import add_service_minutes
from trustdesk.aftersales.models import Case, Deadline, Message, Team
from trustdesk.audit.models import AuditEvent
from trustdesk.core.actors import Actor

__all__ = ["shop"]

# Written from real-sounding requests, not from the cue lists; each line is (text, intent).
LABELLED = [
    ("快递显示已签收，但我根本没收到包裹", "not_received"),
    ("等了两周还没到，物流一直不更新", "not_received"),
    ("My parcel never arrived and tracking has not moved for 10 days", "not_received"),
    ("It says delivered but I haven't received anything", "not_received"),
    ("Where is my order? It was supposed to arrive last week", "not_received"),
    ("包裹丢件了吧，一直没收到", "not_received"),
    ("收到的时候杯子已经碎了", "damaged"),
    ("外箱破损，里面的屏幕也裂了", "damaged"),
    ("The box was crushed and the lamp inside is broken", "damaged"),
    ("Arrived damaged, the glass is shattered", "damaged"),
    ("The screen is cracked right out of the box", "damaged"),
    ("瓶子漏液了，包装烂了", "damaged"),
    ("耳机用了三天就没声音了", "quality"),
    ("充电器充不进电，开不了机", "quality"),
    ("The earbuds stopped working after a week", "quality"),
    ("Faulty unit: it won't turn on at all", "quality"),
    ("衣服洗了一次就掉色，还起球", "quality"),
    ("The seam ripped after one wear, poor quality", "quality"),
    ("还在保修期内，想申请维修", "quality"),
    ("Need a repair under warranty, the fan makes noise and doesn't work", "quality"),
    ("我买的是黑色，发错成白色了", "wrong_item"),
    ("收到的型号不对，不是我买的那款", "wrong_item"),
    ("You sent me the wrong size, I ordered L and got S", "wrong_item"),
    ("Wrong item: I received a phone case instead of a charger", "wrong_item"),
    ("This is not what I ordered", "wrong_item"),
    ("少发了一件，只收到一个", "wrong_item"),
    ("实物和图片差太多，与描述不符", "not_as_described"),
    ("怀疑是假货，不是正品", "not_as_described"),
    ("The bag looks nothing like the photos", "not_as_described"),
    ("This is a fake, the logo is wrong and it's clearly counterfeit", "not_as_described"),
    ("The listing said 100% cotton but it's polyester, misleading", "not_as_described"),
    ("Not as described: advertised as waterproof but it isn't", "not_as_described"),
    ("不想要了，七天无理由退货", "changed_mind"),
    ("拍错了，想退掉", "changed_mind"),
    ("I changed my mind, I'd like to return it", "changed_mind"),
    ("Ordered by mistake, I don't want it anymore", "changed_mind"),
    ("The shoes are too small, doesn't fit", "changed_mind"),
    ("不喜欢这个颜色，不要了", "changed_mind"),
    ("退款什么时候到账？已经一周了", "refund_status"),
    ("商家同意了但钱还没退，退款进度怎么样", "refund_status"),
    ("Still no refund after the return was received", "refund_status"),
    ("When will I get my money back?", "refund_status"),
    ("Where is my refund? It's been 10 days", "refund_status"),
    ("I haven't been refunded yet", "refund_status"),
    ("客服态度太差了，还骂人", "service"),
    ("找了商家三天都不回复，一直不理人", "service"),
    ("The seller was rude and blocked me", "service"),
    ("No response from the shop for days, totally ignored", "service"),
    ("Customer service was unprofessional and insulted me", "service"),
    ("商家敷衍我，我要投诉", "service"),
]


def test_assistant_classifies_intents_on_the_labelled_set():
    hits = sum(classify(text)[0] == intent for text, intent in LABELLED)
    accuracy = hits / len(LABELLED)
    misses = [(text, intent, classify(text)[0]) for text, intent in LABELLED if classify(text)[0] != intent]
    print(f"\nassistant intent accuracy: {accuracy:.1%} ({hits}/{len(LABELLED)}); misses: {misses}")
    assert accuracy >= 0.85
    assert classify("hello")[0] == "general"


def test_suggested_replies_follow_the_request_language():
    intent, language = classify("耳机没声音了")
    assert (intent, language) == ("quality", "zh")
    assert "保修" in suggest_reply(intent, language)
    intent, language = classify("The parcel never arrived")
    assert language == "en" and "carrier" in suggest_reply(intent, language)


def _team(**kwargs):
    defaults = {"code": "t", "name": "T", "kinds": ["complaint", "escalated"]}
    return Team.objects.create(**{**defaults, **kwargs})


def test_business_hours_calendar_skips_nights_weekends_and_holidays(db):
    office = _team(
        round_the_clock=False,
        workday_start="09:00",
        workday_end="18:00",
        workdays=[1, 2, 3, 4, 5],
        holidays=["2025-05-05"],
        time_zone="Asia/Shanghai",
    )
    # Friday 2 May 2025, 17:30 Shanghai; 60 minutes: 30 on Friday, then Saturday, Sunday and the
    # Monday holiday are skipped, the last 30 on Tuesday morning.
    start = datetime(2025, 5, 2, 9, 30, tzinfo=UTC)
    assert add_service_minutes(office, start, 60) == datetime(2025, 5, 6, 1, 30, tzinfo=UTC)
    always = _team(code="a", round_the_clock=True)
    assert add_service_minutes(always, start, 60) == start + timedelta(hours=1)


def test_complaints_enter_the_queue_with_a_first_response_sla(shop, make_user):
    agent = make_user("agent-1", "agent")
    team = _team(first_response_minutes=30, next_response_minutes=60)
    team.members.add(agent)
    order = delivered_order(shop)
    case_id = open_case(shop, order, kind="complaint", reason="service", description="客服态度太差")["id"]
    case = Case.objects.get(pk=case_id)
    assert case.team == team and case.intent == "service" and case.language == "zh"
    first = Deadline.objects.get(case=case, kind="first_response")
    assert first.due_at - first.started_at == timedelta(minutes=30)
    assert list(desk.queue(team)) == [case]

    desk.do_assign(case, agent=agent, actor=Actor.for_user(agent))
    assert AuditEvent.objects.filter(action="aftersales.assigned", target_id=str(case.pk)).exists()
    desk.do_add_note(case, agent=agent, actor=Actor.for_user(agent), body="VIP, handle carefully")
    desk.do_agent_reply(case, agent=agent, actor=Actor.for_user(agent), body="We are looking into it")
    first.refresh_from_db()
    assert first.state == "achieved"
    assert Message.objects.filter(case=case, internal=True).count() == 1

    shop.post(f"/aftersales/cases/{case_id}/messages", {"party": "shopper", "party_id": "u-1", "body": "?"})
    nxt = Deadline.objects.get(case=case, kind="next_response")
    assert run_due(nxt.due_at) == 1
    nxt.refresh_from_db()
    assert nxt.state == "breached"

"""The 24-hour customer-service desk: team queues, assignment, SLAs, internal notes and replies.

A case enters a team's queue when it is a complaint or is escalated. The team then owes a first
response, and after each reply a next response whenever a side writes again; both are deadlines counted
on the team's calendar (see calendar.py) and swept like every other deadline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from trustdesk.aftersales.assistant import suggest_reply
from trustdesk.aftersales.calendar import add_service_minutes
from trustdesk.aftersales.flow import announce, open_deadline
from trustdesk.aftersales.models import (
    FINISHED,
    CannedReply,
    Case,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Message,
    Party,
    Team,
)
from trustdesk.audit import services as audit
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Forbidden, ValidationFailed

DESK_KINDS = (DeadlineKind.FIRST_RESPONSE, DeadlineKind.NEXT_RESPONSE)
ESCALATIONS = "escalated"


def team_for(case: Case, escalated: bool = False) -> Team | None:
    wanted = ESCALATIONS if escalated else case.kind
    for team in Team.objects.all():
        if wanted in (team.kinds or []):
            return team
    return Team.objects.first()


def _open_desk_deadline(case: Case, team: Team, kind: str, now: datetime) -> None:
    if Deadline.objects.filter(case=case, kind__in=DESK_KINDS, state=DeadlineState.OPEN).exists():
        return
    minutes = (
        team.first_response_minutes if kind == DeadlineKind.FIRST_RESPONSE else team.next_response_minutes
    )
    open_deadline(case, kind, Party.AGENT, add_service_minutes(team, now, minutes), now)


def enter_desk(case: Case, now: datetime, escalated: bool = False) -> None:
    team = case.team or team_for(case, escalated)
    if team is None:
        return
    if case.team_id != team.pk:
        Case.objects.filter(pk=case.pk).update(team=team)
        case.team = team
    _open_desk_deadline(case, team, DeadlineKind.FIRST_RESPONSE, now)


def note_customer_message(case: Case, now: datetime) -> None:
    """A side wrote again after the desk answered: the desk owes a next response."""
    if case.team is None:
        return
    answered = Message.objects.filter(case=case, party=Party.AGENT, internal=False).exists()
    if answered:
        _open_desk_deadline(case, case.team, DeadlineKind.NEXT_RESPONSE, now)


def _achieve_desk_deadlines(case: Case, now: datetime) -> None:
    Deadline.objects.filter(case=case, kind__in=DESK_KINDS, state=DeadlineState.OPEN).update(
        state=DeadlineState.ACHIEVED, achieved_at=now
    )


def do_assign(
    case: Case, *, agent: Any, actor: Actor, team: Team | None = None, now: datetime | None = None
) -> Case:
    """Assign (or reassign) a case to an agent, optionally moving it to another team's queue."""
    team = team or case.team
    if team is not None and not team.members.filter(pk=agent.pk).exists():
        raise ValidationFailed(f"{agent} is not a member of team {team.code}", code="not_in_team")
    previous = case.assigned_agent_id
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(assigned_agent=agent, team=team)
        case.assigned_agent = agent
        case.team = team
        audit.record(
            actor,
            "aftersales.assigned",
            target=case,
            details={"agent": agent.pk, "previous": previous, "team": team.code if team else ""},
        )
        if team is not None:
            _open_desk_deadline(case, team, DeadlineKind.FIRST_RESPONSE, now or timezone.now())
    return case


def do_agent_reply(
    case: Case, *, agent: Any, actor: Actor, body: str, now: datetime | None = None
) -> Message:
    if case.status in FINISHED:
        raise Forbidden(f"{case.number} is {case.status}; reopen it before replying", code="finished")
    if not body.strip():
        raise ValidationFailed("the reply is empty")
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            case=case,
            party=Party.AGENT,
            author_label=actor.label,
            author_user_id=getattr(agent, "pk", None),
            body=body.strip(),
            at=now,
        )
        _achieve_desk_deadlines(case, now)
        if case.first_response_at is None:
            Case.objects.filter(pk=case.pk).update(first_response_at=now)
            case.first_response_at = now
        announce(
            case, "case.message", f"{case.number}: customer service replied", {}, f"message-{message.pk}"
        )
    return message


def do_add_note(case: Case, *, agent: Any, actor: Actor, body: str, now: datetime | None = None) -> Message:
    if not body.strip():
        raise ValidationFailed("the note is empty")
    return Message.objects.create(
        case=case,
        party=Party.AGENT,
        author_label=actor.label,
        author_user_id=getattr(agent, "pk", None),
        body=body.strip(),
        internal=True,
        at=now or timezone.now(),
    )


def queue(team: Team | None = None, *, agent: Any = None, include_finished: bool = False) -> QuerySet[Case]:
    rows = Case.objects.select_related("shopper", "merchant", "team", "assigned_agent").filter(
        team__isnull=False
    )
    if team is not None:
        rows = rows.filter(team=team)
    if agent is not None:
        rows = rows.filter(Q(assigned_agent=agent) | Q(assigned_agent__isnull=True))
    if not include_finished:
        rows = rows.exclude(status__in=FINISHED)
    return rows.order_by("opened_at", "id")


def canned_replies(intent: str, language: str) -> list[CannedReply]:
    """The team's saved replies for this intent in the request's language (zh or en), else general ones."""
    rows = list(CannedReply.objects.filter(intent=intent, language=language))
    return rows or list(CannedReply.objects.filter(intent="general", language=language))


def suggested_reply(intent: str, language: str) -> str:
    """What the reply box starts with: the first canned reply, else the assistant's built-in text."""
    rows = canned_replies(intent, language)
    return rows[0].body if rows else suggest_reply(intent, language)


def do_save_canned_reply(*, intent: str, language: str, title: str, body: str, actor: Actor) -> CannedReply:
    """Create or replace the team's reply for an intent in one language (zh or en); audited."""
    from trustdesk.aftersales.assistant import INTENTS

    known = [*INTENTS, "general"]
    if intent not in known:
        raise ValidationFailed(
            f"unknown intent {intent!r}; use one of {', '.join(known)}", code="unknown_intent"
        )
    if language not in ("zh", "en"):
        raise ValidationFailed("language must be zh or en", code="unknown_language")
    title, body = title.strip(), body.strip()
    if not title or not body or len(title) > 100 or len(body) > 2000:
        raise ValidationFailed("give a title (up to 100 characters) and a reply (up to 2,000)")
    with transaction.atomic():
        reply, created = CannedReply.objects.update_or_create(
            intent=intent, language=language, defaults={"title": title, "body": body}
        )
        audit.record(
            actor,
            "aftersales.canned_reply_saved",
            target=reply,
            details={"intent": intent, "language": language, "created": created},
        )
    return reply

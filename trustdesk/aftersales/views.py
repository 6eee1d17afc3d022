"""Console pages for after-sales: shoppers open and follow requests, merchants answer, staff work the
desk and arbitrate. One case page serves every side; what it offers depends on who is looking."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from trustdesk.aftersales import arbitration, desk, evidence, refunds, services
from trustdesk.aftersales.models import (
    CannedReply,
    Case,
    CaseKind,
    CaseStatus,
    DeadlineState,
    Evidence,
    Outcome,
    Party,
    Reason,
    Refund,
    Team,
)
from trustdesk.aftersales.services import Who
from trustdesk.console.access import requires
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError, Forbidden
from trustdesk.orders.models import OrderItem


def who_for(request: HttpRequest, case: Case | None = None) -> Who | None:
    user = request.user
    actor = Actor.for_user(user)  # type: ignore[arg-type]
    shopper = getattr(user, "shopper", None)
    if shopper is not None and (case is None or case.shopper_id == shopper.pk):
        return Who(Party.SHOPPER, actor, shopper_id=shopper.pk, user_id=user.pk)
    merchant_id = getattr(user, "merchant_id", None)
    if (
        merchant_id
        and user.has_perm("aftersales.act_as_merchant")
        and (case is None or case.merchant_id == merchant_id)
    ):
        return Who(Party.MERCHANT, actor, merchant_id=merchant_id, user_id=user.pk)
    if user.has_perm("aftersales.arbitrate"):
        return Who(Party.ARBITRATOR, actor, user_id=user.pk)
    if user.has_perm("aftersales.work_desk"):
        return Who(Party.AGENT, actor, user_id=user.pk)
    if user.has_perm("accounts.use_console"):
        return Who(Party.PLATFORM, actor, user_id=user.pk)
    return None


def _visible(request: HttpRequest):
    rows = Case.objects.select_related("shopper", "merchant", "order", "team")
    user = request.user
    if user.has_perm("accounts.use_console"):
        return rows
    shopper = getattr(user, "shopper", None)
    if shopper is not None:
        return rows.filter(shopper=shopper)
    if getattr(user, "merchant_id", None):
        return rows.filter(merchant_id=user.merchant_id)  # type: ignore[union-attr, misc]
    return rows.none()


def remaining(due_at, seconds: int | None = None) -> str:
    """The countdown both sides see; `seconds` is the time a paused clock kept."""
    if seconds is None:
        seconds = int((due_at - timezone.now()).total_seconds())
    if seconds <= 0:
        return _("due now")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return (
        _("%(d)d d %(h)d h left") % {"d": days, "h": hours}
        if days
        else _("%(h)d h %(m)d min left") % {"h": hours, "m": rest // 60}
    )


@requires("aftersales.view_case")
def cases(request: HttpRequest) -> HttpResponse:
    rows = _visible(request)
    status = request.GET.get("status", "")
    team = request.GET.get("team", "")
    if status in CaseStatus.values:
        rows = rows.filter(status=status)
    if team.isdigit():
        rows = rows.filter(team_id=int(team))
    if request.GET.get("mine"):
        rows = rows.filter(assigned_agent=request.user)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    shopper = getattr(request.user, "shopper", None)
    items = (
        OrderItem.objects.filter(order__shopper=shopper)
        .select_related("order")
        .order_by("-order__placed_at")[:20]
        if shopper is not None and request.user.has_perm("aftersales.open_request")
        else []
    )
    context = {
        "page": page,
        "statuses": CaseStatus.choices,
        "status": status,
        "teams": Team.objects.all(),
        "team": team,
        "items": items,
    }
    return render(request, "aftersales/cases.html", context)


def _case_for(request: HttpRequest, pk: int) -> Case:
    case = (
        _visible(request)
        .select_related("order_item", "category", "policy", "assigned_agent")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404("no such case")
    return case


def _context(request: HttpRequest, case: Case, who: Who | None) -> dict[str, object]:
    staff = request.user.has_perm("accounts.use_console")
    deadlines = [
        {
            "d": d,
            "left": remaining(d.due_at) if d.state == DeadlineState.OPEN else "",
            # While the case waits on the shopper the merchant's clock stands still: show what it kept.
            "kept": remaining(d.due_at, d.remaining_seconds or 0) if d.state == DeadlineState.PAUSED else "",
        }
        for d in case.deadlines.all().order_by("started_at", "id")
    ]
    return {
        "case": case,
        "who": who,
        "party": who.party if who else "",
        "staff": staff,
        "deadlines": deadlines,
        "refunds": case.refunds.all(),
        "notes": case.messages.all() if staff else case.messages.filter(internal=False),
        "files": case.evidence.all(),
        "statements": case.statements.all(),
        "decisions": case.decisions.all(),
        "events": case.events.all(),
        "outcomes": Outcome.choices,
        "suggestion": desk.suggested_reply(case.intent or "general", case.language) if staff else "",
        "canned": desk.canned_replies(case.intent or "general", case.language) if staff else [],
        "agents": case.team.members.all() if case.team else [],
    }


@requires("aftersales.view_case")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    return render(request, "aftersales/case.html", _context(request, case, who_for(request, case)))


def _amount(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw.strip() else None
    except InvalidOperation:
        return None


def _act(request: HttpRequest, case: Case, who: Who, action: str) -> None:
    post = request.POST
    text = post.get("text", "")
    user = request.user
    handlers = {
        "approve": lambda: services.do_approve(case, who=who, note=text),
        "reject": lambda: services.do_reject(case, who=who, reason=text),
        "ask": lambda: services.do_request_info(case, who=who, question=text),
        "message": lambda: services.do_post_message(case, who=who, body=text),
        "ship": lambda: services.do_ship_return(
            case, who=who, carrier=post.get("carrier", ""), tracking_number=post.get("tracking", "")
        ),
        "receipt": lambda: services.do_confirm_receipt(
            case, who=who, replacement_tracking=post.get("tracking", "")
        ),
        "withdraw": lambda: services.do_withdraw(case, who=who),
        "escalate": lambda: services.do_escalate(case, who=who, reason=text),
        "reopen": lambda: services.do_reopen(case, who=who, reason=text),
        "survey": lambda: services.do_answer_survey(
            case, who=who, score=int(post.get("score") or 0), comment=text
        ),
        "statement": lambda: arbitration.do_submit_statement(case, who=who, body=text),
        "appeal": lambda: arbitration.do_appeal(case, who=who, reason=text),
        "request_evidence": lambda: arbitration.do_request_evidence(case, who=who, note=text),
        "decide": lambda: arbitration.do_decide(
            case,
            who=who,
            outcome=post.get("outcome", ""),
            reason=text,
            amount=_amount(post.get("amount", "")),
        ),
        "reply": lambda: desk.do_agent_reply(case, agent=user, actor=who.actor, body=text),
        "note": lambda: desk.do_add_note(case, agent=user, actor=who.actor, body=text),
    }
    if action == "assign" and user.has_perm("aftersales.work_desk"):
        agent = get_object_or_404(
            case.team.members if case.team else Team.objects.none(), pk=post.get("agent")
        )
        desk.do_assign(case, agent=agent, actor=who.actor)
        return
    if action == "paid":
        refund = get_object_or_404(Refund, pk=post.get("refund"), case=case)
        if who.party != Party.MERCHANT:
            raise Forbidden(_("only the merchant reports a refund paid"))
        refunds.do_mark_refund_paid(
            refund, merchant=case.merchant, actor=who.actor, reference=post.get("reference", "")
        )
        return
    if action == "upload":
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(_("choose a file to upload"))
        evidence.do_attach(
            case, who=who, name=upload.name or "", data=upload.read(evidence.MAX_BYTES + 1), note=text
        )
        return
    if action in ("reply", "note") and not user.has_perm("aftersales.work_desk"):
        raise Forbidden(_("only customer service can reply as the desk or write internal notes"))
    if action not in handlers:
        raise DomainError(_("unknown action"))
    handlers[action]()


@requires("aftersales.view_case")
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    if request.method != "POST":
        return redirect("aftersales:case", pk=case.pk)
    who = who_for(request, case)
    if who is None:
        raise Http404("no such case")
    try:
        _act(request, case, who, request.POST.get("action", ""))
    except DomainError as exc:
        context = {**_context(request, services.get_case(case.pk), who), "error": exc.message}
        return render(request, "aftersales/case.html", context, status=422)
    return redirect("aftersales:case", pk=case.pk)


@requires("aftersales.open_request")
def open_request(request: HttpRequest, item_id: int) -> HttpResponse:
    shopper = getattr(request.user, "shopper", None)
    item = get_object_or_404(
        OrderItem.objects.select_related("order__shop", "category"), pk=item_id, order__shopper=shopper
    )
    error = ""
    if request.method == "POST":
        who = who_for(request)
        try:
            if who is None:
                raise Forbidden(_("your login is not linked to a shopper account"))
            case = services.do_open_request(
                item,
                who=who,
                kind=request.POST.get("kind", ""),
                reason=request.POST.get("reason", ""),
                description=request.POST.get("description", ""),
                quantity=int(request.POST.get("quantity") or 1),
            )
            for upload in request.FILES.getlist("files"):
                evidence.do_attach(
                    case, who=who, name=upload.name or "", data=upload.read(evidence.MAX_BYTES + 1)
                )
            messages.success(request, _("Request %(number)s opened.") % {"number": case.number})
            return redirect("aftersales:case", pk=case.pk)
        except DomainError as exc:
            error = exc.message
    context = {"item": item, "kinds": CaseKind.choices, "reasons": Reason.choices, "error": error}
    return render(request, "aftersales/open.html", context, status=422 if error else 200)


@requires("aftersales.view_case")
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Evidence, pk=pk)
    _case_for(request, item.case_id)
    response: HttpResponse = FileResponse(item.file.open("rb"), content_type=item.content_type)  # type: ignore[assignment]
    response["Content-Disposition"] = f'attachment; filename="evidence-{item.pk}"'
    return response


@requires("aftersales.edit_policy")
def canned_replies(request: HttpRequest) -> HttpResponse:
    from trustdesk.aftersales.assistant import INTENTS

    error = ""
    if request.method == "POST":
        post = request.POST
        try:
            desk.do_save_canned_reply(
                intent=post.get("intent", ""),
                language=post.get("language", ""),
                title=post.get("title", ""),
                body=post.get("body", ""),
                actor=Actor.for_user(request.user),  # type: ignore[arg-type]
            )
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Reply saved; agents see it from now on."))
            return redirect("aftersales:canned")
    context = {
        "replies": CannedReply.objects.all(),
        "intents": [*INTENTS, "general"],
        "error": error,
    }
    return render(request, "aftersales/canned.html", context, status=422 if error else 200)

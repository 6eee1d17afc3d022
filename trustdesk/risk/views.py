"""Risk console pages: review queue and cases, decisions, rules with backtest/shadow/activate, lists,
alerts. Reading needs `risk.view_risk`; each action checks its own permission."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from trustdesk.console.access import requires
from trustdesk.console.charts import Point, bar_chart
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError
from trustdesk.risk import backtest, cases, lists, ml, ruleset
from trustdesk.risk.engine import ENV
from trustdesk.risk.models import (
    Alert,
    CaseStatus,
    ListKind,
    ReviewCase,
    RiskEvent,
    RiskModel,
    Rule,
    RuleAction,
    RuleVersion,
)

VIEW = "risk.view_risk"


def _need(request: HttpRequest, permission: str) -> Actor:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)
    return Actor.for_user(request.user)  # type: ignore[arg-type]


@requires(VIEW)
def queue(request: HttpRequest) -> HttpResponse:
    open_cases = ReviewCase.objects.exclude(status=CaseStatus.DECIDED).select_related("event", "assignee")
    context = {
        "cases": open_cases[:200],
        "alerts": Alert.objects.filter(acknowledged_at__isnull=True)[:10],
        "decided": ReviewCase.objects.filter(status=CaseStatus.DECIDED).select_related("event")[:20],
    }
    return render(request, "risk/queue.html", context)


def _contributions(event: RiskEvent) -> list[tuple[str, float]]:
    model = RiskModel.objects.filter(version=event.model_version).first() if event.model_version else None
    return ml.contributions(model, ml.stored_vector(event)) if model else []


@requires(VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(ReviewCase.objects.select_related("event", "assignee"), pk=pk)
    error = ""
    if request.method == "POST":
        actor = _need(request, "risk.decide_cases")
        try:
            if request.POST.get("do") == "assign":
                cases.do_assign(case, actor=actor, assignee_id=int(request.user.pk or 0))
            else:
                cases.do_decide(
                    case,
                    actor=actor,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                )
            return redirect("risk:case", pk=case.pk)
        except DomainError as exc:
            error = exc.message
    context = {
        "case": case,
        "event": case.event,
        "graph": cases.investigate(case),
        "contributions": _contributions(case.event),
        "history": case.events.all(),
        "error": error,
        "can_decide": request.user.has_perm("risk.decide_cases"),
    }
    return render(request, "risk/case.html", context, status=422 if error else 200)


@requires(VIEW)
def events(request: HttpRequest) -> HttpResponse:
    rows = RiskEvent.objects.all()
    decision = request.GET.get("decision", "")
    if decision in ("allow", "review", "block"):
        rows = rows.filter(decision=decision)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "risk/events.html", {"page": page, "decision": decision})


@requires(VIEW)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(RiskEvent, pk=pk)
    context = {
        "event": event,
        "contributions": _contributions(event),
        "features": sorted(event.features.items()),
    }
    return render(request, "risk/event.html", context)


@requires(VIEW)
def rules(request: HttpRequest) -> HttpResponse:
    error: dict[str, object] = {}
    form = {"name": "", "condition": "", "action": "review", "reason": ""}
    if request.method == "POST":
        actor = _need(request, "risk.manage_rules")
        form = {k: request.POST.get(k, "") for k in form}
        try:
            version = ruleset.do_save_version(actor=actor, **form)
            return redirect("risk:version", pk=version.pk)
        except DomainError as exc:
            error = {**(exc.details or {}), "message": exc.message}
            line, column = error.get("line"), error.get("column")
            if isinstance(line, int) and isinstance(column, int):
                # The offending line with a caret under the column, as a compiler would show it.
                lines = form["condition"].splitlines() or [""]
                text = lines[min(line, len(lines)) - 1]
                error["pointer"] = f"{text}\n{' ' * (column - 1)}^"
    context = {
        "rules": Rule.objects.prefetch_related("versions"),
        "form": form,
        "error": error,
        "actions": RuleAction.choices,
        "env": sorted((name, sorted(fields.items())) for name, fields in ENV.messages.items()),
        "can_manage": request.user.has_perm("risk.manage_rules"),
    }
    return render(request, "risk/rules.html", context, status=422 if error else 200)


@requires(VIEW)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(RuleVersion.objects.select_related("rule"), pk=pk)
    report = None
    error = ""
    if request.method == "POST":
        actor = _need(request, "risk.manage_rules")
        do = request.POST.get("do", "")
        try:
            if do == "backtest":
                since = parse_datetime(request.POST.get("since", "") or "")
                report = backtest.run(version, since=since)
            elif do in ("shadow", "active", "retired"):
                ruleset.do_set_mode(version, do, actor=actor, reason=request.POST.get("reason", ""))
                return redirect("risk:version", pk=version.pk)
        except DomainError as exc:
            error = exc.message
    daily = list(version.daily_hits.order_by("day")[:60])
    chart = (
        bar_chart([Point(d.day.isoformat(), d.hits) for d in daily], title=_("Hits per day")) if daily else ""
    )
    context = {
        "version": version,
        "report": report,
        "error": error,
        "chart": chart,
        "total_hits": version.daily_hits.aggregate(n=Sum("hits"))["n"] or 0,
        "history": version.events.all(),
        "can_manage": request.user.has_perm("risk.manage_rules"),
    }
    return render(request, "risk/version.html", context, status=422 if error else 200)


@requires(VIEW)
def lists_page(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        actor = _need(request, "risk.manage_lists")
        try:
            if request.POST.get("remove"):
                lists.do_remove_entry(int(request.POST["remove"]), actor=actor)
            else:
                expires = parse_datetime(request.POST.get("expires_at", "") or "")
                lists.do_add_entry(
                    actor=actor,
                    kind=request.POST.get("kind", ""),
                    value=request.POST.get("value", ""),
                    action=request.POST.get("action", ""),
                    reason=request.POST.get("reason", ""),
                    expires_at=expires,
                )
            return redirect("risk:lists")
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
    context = {"entries": lists.live_entries()[:500], "kinds": ListKind.choices, "error": error}
    return render(request, "risk/lists.html", context, status=422 if error else 200)


@requires(VIEW)
def alerts_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        actor = _need(request, "risk.decide_cases")
        alert = get_object_or_404(Alert, pk=request.POST.get("acknowledge", 0))
        from django.utils import timezone

        from trustdesk.audit.services import record

        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=timezone.now())
        record(actor, "risk.alert.acknowledge", target=alert)
        return redirect("risk:alerts")
    page = Paginator(Alert.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "risk/alerts.html", {"page": page})

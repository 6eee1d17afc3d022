"""Console pages for listing compliance: flagged listings with highlighted findings, a form to try the
check on any text, price alerts, and spot-check plans with their inspection tasks."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from trustdesk.compliance import services, spotchecks
from trustdesk.compliance.checker import CODE_LABELS
from trustdesk.compliance.forms import CheckForm
from trustdesk.compliance.highlight import pieces
from trustdesk.compliance.models import InspectionTask, ListingCheck, PriceAlert, SamplingPlan, Verdict
from trustdesk.console.access import requires
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError
from trustdesk.listings.models import Listing


@requires("compliance.review_listing_compliance")
def listings(request: HttpRequest) -> HttpResponse:
    verdict = request.GET.get("verdict", "")
    newest = ListingCheck.objects.filter(listing=OuterRef("pk")).order_by("-at", "-id")
    rows = Listing.objects.select_related("shop", "category").annotate(
        verdict=Subquery(newest.values("verdict")[:1])
    )
    rows = (
        rows.filter(verdict=verdict)
        if verdict in ("pass", "revise", "block")
        else rows.exclude(verdict="pass")
    )
    page = Paginator(rows.order_by("-updated_at", "-id"), 25).get_page(request.GET.get("page"))
    return render(request, "compliance/listings.html", {"page": page, "verdict": verdict})


@requires("compliance.review_listing_compliance")
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = get_object_or_404(Listing.objects.select_related("shop__merchant", "category"), pk=pk)
    run = services.latest_check(listing)
    findings = list(run.findings.all()) if run else []
    fields = [
        (name, pieces(getattr(listing, name), [f for f in findings if f.field == name]))
        for name in ("title", "description")
    ]
    context = {
        "listing": listing,
        "run": run,
        "findings": findings,
        "fields": fields,
        "alerts": listing.price_alerts.all()[:20],
        "prices": listing.price_changes.all(),
    }
    return render(request, "compliance/listing_detail.html", context)


@requires("compliance.review_listing_compliance")
def price_alerts(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    rows = PriceAlert.objects.select_related("listing")
    if show == "open":
        rows = rows.filter(resolved_at__isnull=True)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "compliance/price_alerts.html", {"page": page, "show": show})


@requires("compliance.review_listing_compliance")
def spot_checks(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST" and request.user.has_perm("compliance.plan_spot_checks"):
        try:
            spotchecks.do_draw_plan(
                actor=Actor.for_user(request.user),  # type: ignore[arg-type]
                period=request.POST.get("period", "").strip(),
                size=int(request.POST.get("size") or 0),
            )
            return redirect("compliance:spot_checks")
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
    context = {
        "plans": SamplingPlan.objects.all()[:24],
        "error": error,
        "tasks": InspectionTask.objects.select_related("listing", "merchant", "plan").exclude(
            state__in=["passed", "failed"]
        )[:200],
    }
    return render(request, "compliance/spot_checks.html", context, status=422 if error else 200)


@requires("compliance.inspect_listings")
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(InspectionTask.objects.select_related("listing", "merchant", "plan"), pk=pk)
    error = ""
    if request.method == "POST":
        actor = Actor.for_user(request.user)  # type: ignore[arg-type]
        try:
            if request.POST.get("action") == "start":
                spotchecks.do_start_inspection(task, actor=actor, inspector=request.user)
            else:
                evidence = [
                    {"label": "inspector note", "ref": ref.strip()}
                    for ref in request.POST.get("evidence", "").splitlines()
                    if ref.strip()
                ]
                spotchecks.do_record_result(
                    task,
                    actor=actor,
                    passed=request.POST.get("passed") == "yes",
                    findings=request.POST.get("findings", ""),
                    evidence=evidence,
                )
            return redirect("compliance:inspection", pk=pk)
        except DomainError as exc:
            error = exc.message
    return render(
        request,
        "compliance/inspection.html",
        {"task": task, "events": task.events.order_by("-at"), "error": error},
        status=422 if error else 200,
    )


@requires("compliance.review_listing_compliance")
def check(request: HttpRequest) -> HttpResponse:
    """Try the listing check on any text, with the findings highlighted where they are."""
    form = CheckForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        result = services.check_values(**data)
        context["result"] = result
        context["verdict_label"] = Verdict(result.verdict).label
        context["labelled_findings"] = [(f, CODE_LABELS.get(f.code, f.code)) for f in result.findings]
        context["fields"] = [
            (name, pieces(data[name], [f for f in result.findings if f.field == name]))
            for name in ("title", "description")
        ]
    return render(request, "compliance/check.html", context, status=422 if form.errors else 200)


@requires("compliance.review_listing_compliance")
def resolve_price_alert(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        services.do_resolve_price_alert(
            get_object_or_404(PriceAlert, pk=pk),
            actor=Actor.for_user(request.user),  # type: ignore[arg-type]
            note=request.POST.get("note", ""),
        )
    return redirect("compliance:price_alerts")


@requires("compliance.review_listing_compliance")
def plan_detail(request: HttpRequest, period: str) -> HttpResponse:
    """A plan as an auditor checks it: seed, the weighted population in draw order, and a fresh re-draw."""
    plan = get_object_or_404(SamplingPlan, period=period)
    redrawn = spotchecks.redraw(plan)
    drawn = set(plan.drawn)
    titles = dict(
        Listing.objects.filter(pk__in=[row[0] for row in plan.population]).values_list("id", "title")
    )
    rows = [
        (listing_id, titles.get(listing_id, "—"), weight, listing_id in drawn)
        for listing_id, weight in plan.population
    ]
    context = {
        "plan": plan,
        "rows": rows,
        "matches": redrawn == plan.drawn,
        "tasks": plan.tasks.select_related("listing", "merchant"),
    }
    return render(request, "compliance/plan_detail.html", context)

"""Console pages for listing compliance: flagged listings with highlighted findings, price alerts,
and spot-check plans with their inspection tasks."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from trustdesk.compliance import services, spotchecks
from trustdesk.compliance.highlight import pieces
from trustdesk.compliance.models import InspectionTask, ListingCheck, PriceAlert, SamplingPlan
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
    page = Paginator(PriceAlert.objects.select_related("listing"), 50).get_page(request.GET.get("page"))
    return render(request, "compliance/price_alerts.html", {"page": page})


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

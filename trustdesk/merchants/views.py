"""Console pages for merchant governance: applying, reviewing admissions, the merchant's lifecycle,
penalties and their appeals, and credit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from trustdesk.console.access import requires
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError, ValidationFailed
from trustdesk.merchants import admission, credit
from trustdesk.merchants import penalties as penalty_actions
from trustdesk.merchants.forms import ApplicationForm, PenaltyForm
from trustdesk.merchants.models import (
    AdmissionApplication,
    AdmissionState,
    BlockedIdentity,
    Merchant,
    MerchantStatus,
    Penalty,
    PenaltyState,
)
from trustdesk.merchants.services import LIFECYCLE, do_change_merchant_status


@requires("merchants.apply_admission")
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload, kind = data.pop("document"), data.pop("document_kind") or "business_licence"
        data["categories"] = form.category_codes()
        actor = Actor.for_user(request.user)  # type: ignore[arg-type]
        try:
            app = admission.do_submit_application(actor=actor, applicant=request.user, **data)
            if upload:
                admission.do_upload_document(
                    app,
                    actor=actor,
                    kind=kind,
                    filename=upload.name or "",
                    content_type=upload.content_type or "",
                    content=upload.read(admission.MAX_DOCUMENT_BYTES + 1),
                )
            messages.success(request, _("Your application was submitted."))
            return redirect("merchants:my_applications")
        except DomainError as exc:
            error = exc.message
    return render(
        request, "merchants/apply.html", {"form": form, "error": error}, status=422 if error else 200
    )


@requires("merchants.apply_admission")
def my_applications(request: HttpRequest) -> HttpResponse:
    """The applicant's applications; when governance asks for more, upload documents and resubmit."""
    rows = AdmissionApplication.objects.filter(applicant_id=request.user.pk).prefetch_related("documents")
    error = ""
    if request.method == "POST":
        app = get_object_or_404(rows, pk=request.POST.get("application"))
        actor = Actor.for_user(request.user)  # type: ignore[arg-type]
        try:
            if request.POST.get("action") == "resubmit":
                admission.do_resubmit(app, actor=actor, note=request.POST.get("note", ""))
                messages.success(request, _("Your application was submitted again."))
            else:
                upload = request.FILES.get("document")
                if upload is None:
                    raise ValidationFailed(_("Choose a file to upload."))
                admission.do_upload_document(
                    app,
                    actor=actor,
                    kind=request.POST.get("kind", ""),
                    filename=upload.name or "",
                    content_type=upload.content_type or "",
                    content=upload.read(admission.MAX_DOCUMENT_BYTES + 1),
                )
                messages.success(request, _("The document was uploaded."))
            return redirect("merchants:my_applications")
        except DomainError as exc:
            error = exc.message
    context = {"applications": rows, "error": error}
    return render(request, "merchants/my_applications.html", context, status=422 if error else 200)


@requires("merchants.review_admission")
def admissions(request: HttpRequest) -> HttpResponse:
    """The review queue, and the blocklist of identities that are refused admission outright."""
    error = ""
    if request.method == "POST":
        try:
            admission.do_block_identity(
                actor=Actor.for_user(request.user),  # type: ignore[arg-type]
                kind=request.POST.get("kind", ""),
                value=request.POST.get("value", "").strip().upper(),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The identity was added to the blocklist."))
            return redirect("merchants:admissions")
        except DomainError as exc:
            error = exc.message
    state = request.GET.get("state", AdmissionState.UNDER_REVIEW)
    rows = AdmissionApplication.objects.all()
    if state in AdmissionState.values:
        rows = rows.filter(state=state)
    context = {
        "applications": rows[:200],
        "state": state,
        "states": AdmissionState.choices,
        "blocked": BlockedIdentity.objects.order_by("-created_at")[:50],
        "error": error,
    }
    return render(request, "merchants/admissions.html", context, status=422 if error else 200)


@requires("merchants.review_admission")
def admission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(AdmissionApplication, pk=pk)
    error = ""
    if request.method == "POST":
        actor = Actor.for_user(request.user)  # type: ignore[arg-type]
        try:
            if request.POST.get("document"):
                doc = get_object_or_404(app.documents, pk=request.POST["document"])
                admission.do_review_document(
                    doc,
                    actor=actor,
                    accepted=request.POST.get("review") == "accept",
                    note=request.POST.get("note", ""),
                )
            else:
                admission.do_decide(
                    app, request.POST.get("decision", ""), actor=actor, reason=request.POST.get("reason", "")
                )
            return redirect("merchants:admission_detail", pk=app.pk)
        except DomainError as exc:
            error = exc.message
    context = {
        "app": app,
        "documents": app.documents.all(),
        "events": app.events.order_by("-at"),
        "error": error,
        "missing": admission.missing_qualifications(app),
    }
    return render(request, "merchants/admission_detail.html", context, status=422 if error else 200)


@requires("merchants.manage_penalties")
def penalties(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    rows = Penalty.objects.select_related("merchant", "listing")
    if state in PenaltyState.values:
        rows = rows.filter(state=state)
    context = {"penalties": rows[:200], "state": state, "states": PenaltyState.choices}
    return render(request, "merchants/penalties.html", context)


@requires("merchants.manage_penalties")
def merchant_governance(request: HttpRequest, pk: int) -> HttpResponse:
    """A merchant's standing: move it through its lifecycle, impose a penalty, see its history."""
    merchant = get_object_or_404(Merchant, pk=pk)
    form = PenaltyForm(merchant, request.POST if request.POST.get("action") == "penalty" else None)
    error = ""
    if request.method == "POST":
        actor = Actor.for_user(request.user)  # type: ignore[arg-type]
        try:
            if request.POST.get("action") == "status":
                do_change_merchant_status(
                    merchant,
                    request.POST.get("status", ""),
                    actor=actor,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(request, _("The merchant's status was changed."))
                return redirect("merchants:governance", pk=pk)
            if form.is_valid():
                penalty = penalty_actions.do_impose_penalty(merchant, actor=actor, **form.penalty_arguments())
                messages.success(request, _("The penalty was imposed."))
                return redirect("merchants:penalty", pk=penalty.pk)
            error = _("Correct the penalty form below.")
        except DomainError as exc:
            error = exc.message
    allowed = LIFECYCLE.transitions.get(merchant.status, set())
    context = {
        "merchant": merchant,
        "credit": credit.credit_of(merchant),
        "next_statuses": [(value, label) for value, label in MerchantStatus.choices if value in allowed],
        "form": form,
        "penalties": merchant.penalties.select_related("listing"),
        "events": merchant.events.order_by("-at", "-id")[:50],
        "error": error,
    }
    return render(request, "merchants/governance.html", context, status=422 if error else 200)


@requires("merchants.manage_penalties")
def penalty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    penalty = get_object_or_404(Penalty.objects.select_related("merchant", "listing"), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            penalty_actions.do_decide_appeal(
                penalty,
                actor=Actor.for_user(request.user),  # type: ignore[arg-type]
                uphold=request.POST.get("decision") == "uphold",
                reason=request.POST.get("reason", ""),
            )
            return redirect("merchants:penalty", pk=pk)
        except DomainError as exc:
            error = exc.message
    context = {"penalty": penalty, "events": penalty.events.order_by("-at", "-id"), "error": error}
    return render(request, "merchants/penalty_detail.html", context, status=422 if error else 200)


@requires("accounts.view_own_shop")
def my_penalties(request: HttpRequest) -> HttpResponse:
    """The signed-in merchant's penalties, each open to one appeal."""
    merchant_id = getattr(request.user, "merchant_id", None)
    rows = Penalty.objects.filter(merchant_id=merchant_id).select_related("listing") if merchant_id else []
    error = ""
    if request.method == "POST" and merchant_id:
        penalty = get_object_or_404(Penalty, pk=request.POST.get("penalty"), merchant_id=merchant_id)
        try:
            penalty_actions.do_appeal(
                penalty,
                actor=Actor.for_user(request.user),  # type: ignore[arg-type]
                text=request.POST.get("text", ""),
            )
            messages.success(request, _("Your appeal was sent."))
            return redirect("merchants:my_penalties")
        except DomainError as exc:
            error = exc.message
    context = {"penalties": rows, "error": error}
    return render(request, "merchants/my_penalties.html", context, status=422 if error else 200)


@requires("merchants.view_merchant")
def merchant_credit(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = get_object_or_404(Merchant, pk=pk)
    score = credit.credit_of(merchant)
    context = {"merchant": merchant, "credit": score, "breakdown": credit.shown_breakdown(score)}
    return render(request, "merchants/credit.html", context)

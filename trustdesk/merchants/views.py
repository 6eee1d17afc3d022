"""Console pages for merchant governance: applying, reviewing admissions, penalties and credit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from trustdesk.console.access import requires
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError
from trustdesk.merchants import admission, credit
from trustdesk.merchants.forms import ApplicationForm
from trustdesk.merchants.models import AdmissionApplication, AdmissionState, Merchant, Penalty


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
    rows = AdmissionApplication.objects.filter(applicant_id=request.user.pk).prefetch_related("documents")
    return render(request, "merchants/my_applications.html", {"applications": rows})


@requires("merchants.review_admission")
def admissions(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", AdmissionState.UNDER_REVIEW)
    rows = AdmissionApplication.objects.all()
    if state in AdmissionState.values:
        rows = rows.filter(state=state)
    context = {"applications": rows[:200], "state": state, "states": AdmissionState.choices}
    return render(request, "merchants/admissions.html", context)


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
    rows = Penalty.objects.select_related("merchant", "listing")[:200]
    return render(request, "merchants/penalties.html", {"penalties": rows})


@requires("merchants.view_merchant")
def merchant_credit(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = get_object_or_404(Merchant, pk=pk)
    return render(
        request, "merchants/credit.html", {"merchant": merchant, "credit": credit.credit_of(merchant)}
    )

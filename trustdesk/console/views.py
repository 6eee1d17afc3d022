"""Console pages. Each one parses input, calls a service or a read function, and renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustdesk.accounts import services as account_services
from trustdesk.accounts.models import ApiToken, User
from trustdesk.accounts.scopes import SCOPES
from trustdesk.audit.models import AuditEvent
from trustdesk.console.access import requires
from trustdesk.console.charts import bar_chart
from trustdesk.console.figures import dashboard_figures
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError
from trustdesk.merchants.models import Merchant, MerchantStatus
from trustdesk.orders.models import Order, OrderStatus

PAGE_SIZE = 25

# Which encrypted fields of which objects may be revealed from the console.
REVEALABLE = {
    "merchant": (
        Merchant,
        {"legal_rep_name", "legal_rep_id_number", "contact_phone", "contact_email"},
    ),
    "order": (Order, {"recipient_name", "recipient_phone", "shipping_address"}),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_perm("accounts.use_console"):
        if user.has_perm("accounts.view_own_shop"):
            return redirect("console:my_shop")
        if user.has_perm("accounts.view_own_orders"):
            return redirect("console:my_orders")
        return render(request, "console/no_role.html", status=403)
    return render(request, "console/home.html", _figures_context())


@requires("accounts.use_console")
def home_figures(request: HttpRequest) -> HttpResponse:
    return render(request, "console/_figures.html", _figures_context())


def _figures_context() -> dict[str, object]:
    figures = dashboard_figures()
    chart = bar_chart(figures.orders_per_day, title=_("Orders per day, last 30 days"))
    return {"figures": figures, "orders_chart": chart}


@requires("merchants.view_merchant")
def merchants(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    rows = Merchant.objects.all().order_by("legal_name")
    if query:
        rows = rows.filter(Q(legal_name__icontains=query) | Q(uscc__icontains=query) | Q(external_id=query))
    if status in MerchantStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "status": status, "statuses": MerchantStatus.choices}
    return render(request, "console/merchants.html", context)


@requires("merchants.view_merchant")
def merchant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = get_object_or_404(Merchant, pk=pk)
    context = {
        "merchant": merchant,
        "shops": merchant.shops.all(),
        "events": merchant.events.order_by("-at")[:50],
        "can_reveal": request.user.has_perm("accounts.reveal_pii"),
    }
    return render(request, "console/merchant_detail.html", context)


@requires("orders.view_order")
def orders(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    rows = Order.objects.select_related("shop", "shopper")
    if status in OrderStatus.values:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(Q(external_id=query) | Q(shop__name__icontains=query))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": OrderStatus.choices, "q": query}
    return render(request, "console/orders.html", context)


@requires("orders.view_order")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(Order.objects.select_related("shop__merchant", "shopper"), pk=pk)
    context = {
        "order": order,
        "items": order.items.all(),
        "payments": order.payments.all(),
        "shipments": order.shipments.all(),
        "events": order.events.all(),
        "can_reveal": request.user.has_perm("accounts.reveal_pii"),
    }
    return render(request, "console/order_detail.html", context)


@requires("accounts.reveal_pii")
@require_POST
def reveal(request: HttpRequest, kind: str, pk: int, field: str) -> HttpResponse:
    model, fields = REVEALABLE.get(kind, (None, set()))
    if model is None or field not in fields:
        return HttpResponse(_("This value cannot be revealed."), status=404)
    obj = get_object_or_404(model, pk=pk)
    user: User = request.user  # type: ignore[assignment]
    try:
        value = account_services.do_reveal_pii(user, obj, field, request.POST.get("reason", ""), request)
    except DomainError as exc:
        return render(request, "console/_reveal_error.html", {"error": exc.message}, status=422)
    return render(request, "console/_revealed.html", {"value": value})


@requires("audit.view_audit_log")
def audit_log(request: HttpRequest) -> HttpResponse:
    rows = AuditEvent.objects.all()
    action = request.GET.get("action", "").strip()
    actor = request.GET.get("actor", "").strip()
    if action:
        rows = rows.filter(action__startswith=action)
    if actor:
        rows = rows.filter(actor_label__icontains=actor)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    template = "console/_audit_rows.html" if request.htmx else "console/audit.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "action": action, "actor": actor})


@requires("accounts.manage_tokens")
def tokens(request: HttpRequest) -> HttpResponse:
    created_bearer = ""
    error = ""
    actor = Actor.for_user(request.user)  # type: ignore[arg-type]
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                account_services.do_revoke_token(request.POST["revoke"], actor=actor)
            else:
                scopes = ",".join(request.POST.getlist("scopes"))
                _token, created_bearer = account_services.do_create_token(
                    request.POST.get("name", "").strip(), scopes, actor=actor
                )
        except DomainError as exc:
            error = exc.message
    context = {
        "tokens": ApiToken.objects.all(),
        "scopes": SCOPES,
        "created_bearer": created_bearer,
        "error": error,
    }
    return render(request, "console/tokens.html", context, status=422 if error else 200)


@requires("accounts.view_own_orders")
def my_orders(request: HttpRequest) -> HttpResponse:
    shopper = getattr(request.user, "shopper", None)
    rows = (
        Order.objects.filter(shopper=shopper).select_related("shop").prefetch_related("items")
        if shopper
        else Order.objects.none()
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/my_orders.html", {"page": page, "shopper": shopper})


@requires("accounts.view_own_shop")
def my_shop(request: HttpRequest) -> HttpResponse:
    merchant = request.user.merchant  # type: ignore[union-attr]
    rows = (
        Order.objects.filter(shop__merchant=merchant).select_related("shop", "shopper")
        if merchant
        else Order.objects.none()
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shops = merchant.shops.all() if merchant else []
    context = {"page": page, "merchant": merchant, "shops": shops}
    return render(request, "console/my_shop.html", context)

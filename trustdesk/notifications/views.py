"""The console page where a user reads the notifications addressed to them."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from trustdesk.console.access import requires
from trustdesk.notifications.inapp import addressed_to


@requires("notifications.view_own_notifications")
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(addressed_to(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@requires("notifications.view_own_notifications")
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    addressed_to(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications:inbox")

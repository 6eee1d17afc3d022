"""Console page for deadline policies: admins change the clocks, add policies and say what each governs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from trustdesk.aftersales import policies
from trustdesk.aftersales.flow import default_policy
from trustdesk.aftersales.models import Policy, PolicyScope
from trustdesk.console.access import requires
from trustdesk.core.actors import Actor
from trustdesk.core.errors import DomainError
from trustdesk.listings.models import Category


def _periods(post: QueryDict) -> dict[str, Any]:
    # A whole number goes through as int; anything else reaches the domain check as typed, which names it.
    periods: dict[str, Any] = {}
    for name in policies.PERIOD_FIELDS:
        raw = post.get(name)
        if raw is not None:
            raw = raw.strip()
            periods[name] = int(raw) if raw.isdigit() else raw
    return periods


def _act(request: HttpRequest) -> str:
    post, actor = request.POST, Actor.for_user(request.user)  # type: ignore[arg-type]
    action = post.get("action", "change")
    if action == "create":
        policies.do_create_policy(
            post.get("code", ""), post.get("name", ""), actor=actor, periods={}, request=request
        )
        return _("Policy added with the default's periods; change them below and say what it governs.")
    if action == "unscope":
        scope = get_object_or_404(PolicyScope.objects.select_related("policy"), pk=post.get("scope"))
        policies.do_unscope(scope, actor=actor, request=request)
        return _("Scope removed; new cases there follow the next policy in line.")
    policy = get_object_or_404(Policy, pk=post.get("policy"))
    if action == "scope":
        category, merchant = policies.scope_target(post.get("category"), post.get("merchant"))
        policies.do_scope_policy(policy, actor=actor, category=category, merchant=merchant, request=request)
        return _("Scope added; new cases there open under this policy.")
    policies.do_change_policy(
        policy, actor=actor, periods=_periods(post), name=post.get("name"), request=request
    )
    return _("Policy saved; it applies to deadlines started from now on.")


@requires("aftersales.edit_policy")
def policies_page(request: HttpRequest) -> HttpResponse:
    default_policy()
    error = ""
    if request.method == "POST":
        try:
            done = _act(request)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, done)
            return redirect("aftersales:policies")
    labels = [(f.verbose_name, f.name) for f in Policy._meta.fields if f.name in policies.PERIOD_FIELDS]
    rows = [
        (p, [(label, name, getattr(p, name)) for label, name in labels])
        for p in Policy.objects.prefetch_related("scopes__category", "scopes__merchant")
    ]
    context = {
        "policies": rows,
        "categories": Category.objects.only("code", "name_en", "name_zh"),
        "default_code": policies.DEFAULT,
        "error": error,
    }
    return render(request, "aftersales/policies.html", context, status=422 if error else 200)

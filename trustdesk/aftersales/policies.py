"""Which deadline policy governs a case, and the admins' changes to policies and to what they govern.

A marketplace rarely gives fresh food and large appliances the same clocks, nor a merchant with a
negotiated service agreement the same as everybody else: a policy can claim a category, a merchant, or
a merchant within one category. A case takes its policy when it opens and keeps it (see `Policy`).
Every change here is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from trustdesk.aftersales.flow import default_policy
from trustdesk.aftersales.models import Policy, PolicyScope
from trustdesk.audit import services as audit
from trustdesk.core.actors import Actor
from trustdesk.core.errors import Conflict, NotFound, ValidationFailed
from trustdesk.listings.models import Category
from trustdesk.merchants.models import Merchant

DEFAULT = "default"
PERIOD_FIELDS = tuple(f.name for f in Policy._meta.fields if f.name.endswith(("_hours", "_days")))
LONGEST_PERIOD = 3650

_POLICY = Policy._meta.db_table
_SCOPE = PolicyScope._meta.db_table
# One query on the path that opens a request: the default policy and every scope that could claim
# the case, joined; the most specific claim is chosen below.
_CANDIDATES = (
    f"SELECT p.*, s.merchant_id AS scope_merchant, s.category_id AS scope_category "  # noqa: S608
    f"FROM {_POLICY} p LEFT JOIN {_SCOPE} s ON s.policy_id = p.id AND ("
    "(s.merchant_id = %s AND (s.category_id = %s OR s.category_id IS NULL))"
    " OR (s.merchant_id IS NULL AND s.category_id = %s)) "
    "WHERE p.code = %s OR s.id IS NOT NULL"
)


def policy_for(merchant_id: int | None, category_id: int | None) -> Policy:
    """The policy a new case of this merchant and category opens under."""
    best: Policy | None = None
    best_rank = -1
    for policy in Policy.objects.raw(_CANDIDATES, [merchant_id, category_id, category_id, DEFAULT]):
        claimed = vars(policy)  # the raw query's extra columns
        rank = (2 if claimed["scope_merchant"] else 0) + (1 if claimed["scope_category"] else 0)
        if rank > best_rank:
            best, best_rank = policy, rank
    return best or default_policy()


def get_policy(code: str) -> Policy:
    if code == DEFAULT:
        return default_policy()
    policy = Policy.objects.filter(code=code).first()
    if policy is None:
        raise NotFound(f"no after-sales policy {code!r}", code="unknown_policy")
    return policy


def _checked_periods(periods: dict[str, Any]) -> dict[str, int]:
    unknown = sorted(set(periods) - set(PERIOD_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"unknown period(s): {', '.join(unknown)}; known: {', '.join(PERIOD_FIELDS)}",
            code="unknown_period",
        )
    checked: dict[str, int] = {}
    for name, value in periods.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LONGEST_PERIOD:
            raise ValidationFailed(
                f"{name} must be a whole number from 1 to {LONGEST_PERIOD}, not {value!r}",
                code="invalid_period",
            )
        checked[name] = value
    return checked


def do_create_policy(
    code: str, name: str, *, actor: Actor, periods: dict[str, Any], request: HttpRequest | None = None
) -> Policy:
    """A new policy starts from the default's periods; `periods` overrides some of them."""
    code, name = code.strip(), name.strip()
    if not code or len(code) > 32 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise ValidationFailed("a policy code is 1–32 letters, digits, - or _", code="invalid_policy_code")
    name = _checked_name(name)
    base = default_policy()
    values = {field: getattr(base, field) for field in PERIOD_FIELDS} | _checked_periods(periods)
    try:
        with transaction.atomic():
            policy = Policy.objects.create(
                code=code, name=name, **values, updated_at=timezone.now(), updated_by=actor.label
            )
            audit.record(actor, "aftersales.policy_created", target=policy, details=values, request=request)
    except IntegrityError:
        raise Conflict(f"a policy {code!r} already exists", code="policy_exists") from None
    return policy


def do_change_policy(
    policy: Policy,
    *,
    actor: Actor,
    periods: dict[str, Any],
    name: str | None = None,
    request: HttpRequest | None = None,
) -> Policy:
    """Change periods (and the name); running deadlines keep their due time, new ones follow."""
    changes: dict[str, Any] = _checked_periods(periods)
    if name is not None:
        changes["name"] = _checked_name(name)
    before = {field: getattr(policy, field) for field in changes}
    with transaction.atomic():
        stamp = {"updated_at": timezone.now(), "updated_by": actor.label}
        Policy.objects.filter(pk=policy.pk).update(**changes, **stamp)
        audit.record(
            actor,
            "aftersales.policy_changed",
            target=policy,
            details={"before": before, "after": changes},
            request=request,
        )
    policy.refresh_from_db()
    return policy


def scope_target(
    category_code: str | None, merchant_id: str | None
) -> tuple[Category | None, Merchant | None]:
    """The category and merchant a scope names, by category code and merchant external id; blank is none."""
    category = merchant = None
    code, external_id = (category_code or "").strip(), (merchant_id or "").strip()
    if code:
        category = Category.objects.filter(code=code).first()
        if category is None:
            raise NotFound(_("no category %(code)s") % {"code": code}, code="unknown_category")
    if external_id:
        merchant = Merchant.objects.filter(external_id=external_id).first()
        if merchant is None:
            raise NotFound(_("no merchant %(id)s") % {"id": external_id}, code="unknown_merchant")
    return category, merchant


def do_scope_policy(
    policy: Policy,
    *,
    actor: Actor,
    category: Category | None = None,
    merchant: Merchant | None = None,
    request: HttpRequest | None = None,
) -> PolicyScope:
    """Let `policy` govern the new cases of a category, a merchant, or a merchant in a category."""
    if policy.code == DEFAULT:
        raise ValidationFailed(
            "the default policy governs what no other policy claims; it takes no scope",
            code="default_unscoped",
        )
    if category is None and merchant is None:
        raise ValidationFailed("a scope names a category, a merchant, or both", code="empty_scope")
    taken = PolicyScope.objects.select_related("policy").filter(category=category, merchant=merchant).first()
    if taken is not None:
        raise Conflict(
            f"{_describe(category, merchant)} already follows policy {taken.policy.code!r}; "
            "remove that scope first",
            code="scope_taken",
        )
    try:
        with transaction.atomic():
            scope = PolicyScope.objects.create(
                policy=policy, category=category, merchant=merchant, created_by=actor.label
            )
            audit.record(
                actor,
                "aftersales.policy_scoped",
                target=policy,
                details={"scope": scope.pk, "target": _describe(category, merchant)},
                request=request,
            )
    except IntegrityError:  # another admin claimed it in the meantime
        message = f"{_describe(category, merchant)} already follows a policy"
        raise Conflict(message, code="scope_taken") from None
    return scope


def do_unscope(scope: PolicyScope, *, actor: Actor, request: HttpRequest | None = None) -> None:
    """Give the scope's cases back to the next policy in line; open cases keep the one they have."""
    with transaction.atomic():
        audit.record(
            actor,
            "aftersales.policy_unscoped",
            target=scope.policy,
            details={"scope": scope.pk, "target": _describe(scope.category, scope.merchant)},
            request=request,
        )
        scope.delete()


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("a policy needs a name of at most 100 characters", code="invalid_policy_name")
    return name


def _describe(category: Category | None, merchant: Merchant | None) -> str:
    parts = []
    if merchant is not None:
        parts.append(f"merchant {merchant.external_id}")
    if category is not None:
        parts.append(f"category {category.code}")
    return " in ".join(parts)

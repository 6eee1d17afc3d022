"""Writing and reading the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from trustdesk.audit.models import AuditEvent
from trustdesk.core.actors import Actor


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    actor: Actor,
    action: str,
    *,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    reason: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
    return AuditEvent.objects.create(
        actor_kind=actor.kind,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        ip=client_ip(request),
        details=details or {},
    )

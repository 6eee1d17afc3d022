"""Managing webhook endpoints."""

from __future__ import annotations

import secrets

from django.db import transaction

from trustdesk.audit import services as audit
from trustdesk.core.actors import Actor
from trustdesk.core.errors import NotFound, ValidationFailed
from trustdesk.notifications.models import WebhookEndpoint


def do_add_endpoint(
    *, actor: Actor, url: str, event_types: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret, which is shown once."""
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed("a webhook URL must start with https:// (or http:// for testing)")
    if not event_types or any(not t.strip() for t in event_types):
        raise ValidationFailed("name at least one event type or pattern, e.g. 'aftersales.*' or '*'")
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=url, secret=secret, event_types=event_types, description=description
        )
        audit.record(actor, "webhook.added", target=endpoint, details={"events": event_types})
    return endpoint, secret


def do_disable_endpoint(endpoint_id: int, *, actor: Actor) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    audit.record(actor, "webhook.disabled", target=endpoint)
    return endpoint

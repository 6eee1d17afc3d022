"""In-app notifications for console users, shoppers and merchants."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from trustdesk.notifications.models import Notification


def notify(
    *,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    user: Any = None,
    shopper: Any = None,
    merchant: Any = None,
) -> Notification:
    if user is None and shopper is None and merchant is None:
        raise ValueError("a notification needs a recipient: user, shopper or merchant")
    return Notification.objects.create(
        kind=kind, title=title, body=body, link=link, user=user, shopper=shopper, merchant=merchant
    )


def notify_many(notifications: list[Notification]) -> list[Notification]:
    """Many notifications in one insert (bulk moves); each must name a recipient, as for `notify`."""
    for note in notifications:
        if note.user_id is None and note.shopper_id is None and note.merchant_id is None:
            raise ValueError("a notification needs a recipient: user, shopper or merchant")
    return Notification.objects.bulk_create(notifications)


def addressed_to(user: Any) -> Any:
    """Notifications addressed to this login directly or through its shopper or merchant."""
    condition = Q(user=user)
    shopper = getattr(user, "shopper", None)
    if shopper is not None:
        condition |= Q(shopper=shopper)
    if getattr(user, "merchant_id", None):
        condition |= Q(merchant_id=user.merchant_id)
    return Notification.objects.filter(condition)


def unread_count(user: Any) -> int:
    return int(addressed_to(user).filter(read_at__isnull=True).count())

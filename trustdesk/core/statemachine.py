"""Explicit state machines whose every transition is claimed atomically and written as an event row.

A transition is an `UPDATE … SET state = new WHERE pk = ? AND state = old`: if another process moved the
row first, exactly zero rows change and the caller gets InvalidTransition instead of a double move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

from trustdesk.core.actors import Actor
from trustdesk.core.errors import InvalidTransition


class StateEvent(models.Model):
    """Base of every `<thing>Event` table: who moved what from which state to which, when and why."""

    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32)
    actor_kind = models.CharField(max_length=8)
    actor_label = models.CharField(max_length=150)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


E = TypeVar("E", bound=StateEvent)


class StateMachine(Generic[E]):
    def __init__(
        self,
        *,
        field: str,
        transitions: Mapping[str, set[str]],
        event_model: type[E],
        subject_field: str,
    ) -> None:
        self.field = field
        self.transitions = transitions
        self.event_model = event_model
        self.subject_field = subject_field

    def allowed(self, current: str) -> set[str]:
        return set(self.transitions.get(current, set()))

    def can_move(self, obj: models.Model, to_state: str) -> bool:
        return to_state in self.allowed(getattr(obj, self.field))

    def record_initial(self, obj: models.Model, actor: Actor, reason: str = "") -> E:
        return self._inserted(self._new_event(obj, "", getattr(obj, self.field), actor, reason, {}))

    def record_initial_many(self, objs: Sequence[models.Model], actor: Actor, reasons: Sequence[str]) -> None:
        """`record_initial` for many rows just created, in one insert (a batch's review cases)."""
        self.event_model._default_manager.bulk_create(
            [
                self._new_event(obj, "", getattr(obj, self.field), actor, reason, {})
                for obj, reason in zip(objs, reasons, strict=True)
            ]
        )

    def move(
        self,
        obj: models.Model,
        to_state: str,
        *,
        actor: Actor,
        reason: str = "",
        data: dict[str, Any] | None = None,
        extra_updates: dict[str, Any] | None = None,
    ) -> E:
        current = getattr(obj, self.field)
        if to_state not in self.allowed(current):
            raise InvalidTransition(
                f"{type(obj).__name__} {obj.pk} is {current!r} and cannot move to {to_state!r}; "
                f"allowed next states: {', '.join(sorted(self.allowed(current))) or 'none'}."
            )
        updates = {self.field: to_state, **(extra_updates or {})}
        with transaction.atomic():
            changed = type(obj)._default_manager.filter(pk=obj.pk, **{self.field: current}).update(**updates)
            if changed != 1:
                raise InvalidTransition(
                    f"{type(obj).__name__} {obj.pk} changed state while this request was running; "
                    "reload it and try again."
                )
            for name, value in updates.items():
                setattr(obj, name, value)
            return self._inserted(self._new_event(obj, current, to_state, actor, reason, data or {}))

    def _inserted(self, event: E) -> E:
        event.save(force_insert=True)
        return event

    def _new_event(
        self,
        obj: models.Model,
        from_state: str,
        to_state: str,
        actor: Actor,
        reason: str,
        data: dict[str, Any],
    ) -> E:
        return self.event_model(
            **{self.subject_field: obj},
            from_state=from_state,
            to_state=to_state,
            actor_kind=actor.kind,
            actor_label=actor.label,
            actor_user_id=actor.user_id,
            reason=reason,
            data=data,
        )

"""Model fields that keep personal data encrypted at rest and masked on the way out."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from trustdesk.core import pii


class Secret(str):
    """A decrypted personal-data value that prints masked unless explicitly revealed.

    str(secret) and templates show the masked form; `.reveal()` returns the clear text and is
    only called from code paths that check permission and write an audit row.
    """

    kind: str

    def __new__(cls, clear: str, kind: str) -> Secret:
        obj = super().__new__(cls, pii.MASKERS[kind](clear))
        obj.kind = kind
        obj._clear = clear  # type: ignore[attr-defined]
        return obj

    def reveal(self) -> str:
        return self._clear  # type: ignore[attr-defined]

    @property
    def masked(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Secret, (self.reveal(), self.kind))


class SecretAttribute(DeferredAttribute):
    """Wraps every assigned value in a Secret, so code never meets a bare str by accident."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = self.field.to_python(value)


class EncryptedField(models.TextField):
    """Stores a Fernet token; Python sees a `Secret` (masked by default)."""

    descriptor_class = SecretAttribute
    # Tell the type checker what attribute access yields (read by the Django stubs plugin).
    _pyi_private_set_type: str | Secret
    _pyi_private_get_type: Secret

    def __init__(self, *args: Any, pii_kind: str = "name", **kwargs: Any) -> None:
        self.pii_kind = pii_kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["pii_kind"] = self.pii_kind
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if not value:
            return ""
        return Secret(pii.decrypt(value), self.pii_kind)

    def to_python(self, value: Any) -> Any:
        if value is None or value == "" or isinstance(value, Secret):
            return value or ""
        return Secret(str(value), self.pii_kind)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return ""
        clear = value.reveal() if isinstance(value, Secret) else str(value)
        return pii.encrypt(clear)

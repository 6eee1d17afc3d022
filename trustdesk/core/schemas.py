"""Shared API schema base: unknown fields are an error, not silently dropped, and so is a time
without its UTC offset, which would otherwise be read in whatever zone the server runs in (or fail
when compared with the stored, zoned times)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Schema
from pydantic import ConfigDict, field_validator

NAIVE_TIME = "a time needs its UTC offset, such as 2026-11-24T10:00:00+08:00 or 2026-11-24T02:00:00Z"


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _times_carry_their_offset(cls, value: Any) -> Any:
        if isinstance(value, datetime) and timezone.is_naive(value):
            raise ValueError(NAIVE_TIME)
        return value


class ErrorOut(Schema):
    code: str
    message: str

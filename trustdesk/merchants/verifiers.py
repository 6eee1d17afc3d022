"""Identity validation: checksums first, then a pluggable verifier backed by a real identity provider.

Checksums only prove a number is well formed. Whether it belongs to a registered company or a living
person is a question for an external provider (a business-registry or real-name service), which is
wired in by naming a class in the IDENTITY_VERIFIER setting. The default verifier trusts checksums, so
the platform works without a contract with any provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from trustdesk.merchants.identity import IdentityInvalid, check_resident_id, check_uscc

Kind = Literal["uscc", "resident_id"]
CHECKS = {"uscc": check_uscc, "resident_id": check_resident_id}


@dataclass(frozen=True, slots=True)
class Verdict:
    valid: bool
    code: str = ""
    reason: str = ""


class IdentityVerifier(Protocol):
    """A provider answers whether a well-formed identity is real; `holder_name` may sharpen the match."""

    def verify(self, kind: Kind, value: str, *, holder_name: str = "") -> Verdict: ...


class ChecksumOnlyVerifier:
    def verify(self, kind: Kind, value: str, *, holder_name: str = "") -> Verdict:
        return Verdict(True)


@lru_cache(maxsize=1)
def _verifier(path: str) -> IdentityVerifier:
    verifier_class: type[IdentityVerifier] = import_string(path)
    return verifier_class()


def verifier() -> IdentityVerifier:
    path = getattr(settings, "IDENTITY_VERIFIER", "trustdesk.merchants.verifiers.ChecksumOnlyVerifier")
    return _verifier(path)


def validate(kind: Kind, value: str, *, holder_name: str = "") -> Verdict:
    try:
        CHECKS[kind](value)
    except IdentityInvalid as exc:
        return Verdict(False, exc.code, exc.message)
    return verifier().verify(kind, value.strip().upper(), holder_name=holder_name)

"""Encryption, blind indexing and masking of personal data (PIPL; SPEC C9).

Ciphertexts are Fernet tokens under a MultiFernet: the first key in TRUSTDESK_PII_KEYS encrypts, every
listed key decrypts, so keys rotate by prepending a new one and running `trustdesk pii rotate`.
Equality look-ups (duplicate ID numbers across merchants) use a keyed HMAC "blind index" so that the
clear value never has to be stored or decrypted to compare.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_key(raw: str) -> bytes:
    """Accept a proper Fernet key, or derive one from any other secret string."""
    try:
        if len(base64.urlsafe_b64decode(raw.encode())) == 32:
            return raw.encode()
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest())


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.PII_KEYS))


def encrypt(clear: str) -> str:
    return cipher().encrypt(clear.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise PiiKeyError(
            "A stored personal-data value cannot be decrypted with any configured key: "
            "TRUSTDESK_PII_KEYS is missing the key it was written with."
        ) from None


def rotate(token: str) -> str:
    return cipher().rotate(token.encode("ascii")).decode("ascii")


class PiiKeyError(RuntimeError):
    pass


def normalise(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().upper().replace(" ", "")


def blind_index(value: str) -> str:
    key = settings.PII_INDEX_KEY.encode()
    return hmac.new(key, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


# Masking keeps just enough for a person to recognise their own data on screen.
def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_id_number(value: str) -> str:
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(address: str) -> str:
    """Keep the first third (region, city), hide the street and door number."""
    keep = max(2, len(address) // 3)
    return address[:keep] + "…" + "*" * 4


def mask_name(name: str) -> str:
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if domain else mask_name(email)


MASKERS = {
    "phone": mask_phone,
    "id_number": mask_id_number,
    "address": mask_address,
    "name": mask_name,
    "email": mask_email,
    "secret": lambda value: "********" if value else "",
}

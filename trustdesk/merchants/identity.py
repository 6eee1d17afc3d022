"""Checksums of Chinese legal identities: the unified social credit code and the resident ID number.

- USCC, GB 32100-2015: 18 characters from a 31-letter alphabet (no I, O, Z, S, V); registration
  authority and institution type codes; a 6-digit administrative division; a check character whose
  weights are 3^(i-1) mod 31.
- Resident ID number, GB 11643-1999: 6-digit region, 8-digit birth date, 3-digit sequence, and an
  ISO 7064 MOD 11-2 check character (0-9 or X).

Each check returns None when valid and raises IdentityInvalid (a reason code and a readable message)
otherwise. Only ASCII digits count as digits: `str.isdigit` also accepts full-width and superscript
digits, which would let look-alike numbers through or crash the date parsing.
"""

from __future__ import annotations

import re
from datetime import date

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# Registration authority → institution types it may issue (GB 32100-2015, appendix A).
USCC_TYPES = {
    "1": "1239",
    "2": "19",
    "3": "12345",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}

RID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
RID_CHECK = "10X98765432"
RID_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}  # fmt: skip


RID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
DIGITS6 = re.compile(r"[0-9]{6}")


class IdentityInvalid(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> None:
    code = value.strip()
    if len(code) != 18:
        raise IdentityInvalid("length", f"a USCC has 18 characters, this one has {len(code)}")
    bad = [c for c in code if c not in USCC_ALPHABET]
    if bad:
        raise IdentityInvalid(
            "charset", f"character {bad[0]!r} is not used in USCCs (digits and A-Y without I O S V Z)"
        )
    authority, kind = code[0], code[1]
    if authority not in USCC_TYPES:
        raise IdentityInvalid("authority", f"{authority!r} is not a registration authority code")
    if kind not in USCC_TYPES[authority]:
        raise IdentityInvalid("type", f"institution type {kind!r} does not exist for authority {authority!r}")
    if not DIGITS6.fullmatch(code[2:8]):
        raise IdentityInvalid("region", "characters 3 to 8 must be an administrative division code")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentityInvalid("checksum", "the check character (last) does not match the code")


def rid_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, RID_WEIGHTS, strict=True))
    return RID_CHECK[total % 11]


def check_resident_id(value: str, today: date | None = None) -> None:
    number = value.strip().upper()
    if len(number) != 18:
        raise IdentityInvalid("length", f"a resident ID number has 18 characters, not {len(number)}")
    if not RID_SHAPE.fullmatch(number):
        raise IdentityInvalid("charset", "17 digits then a digit or X are expected")
    if number[:2] not in RID_PROVINCES:
        raise IdentityInvalid("region", f"{number[:2]} is not a province code")
    if number[2:4] == "00":
        raise IdentityInvalid("region", f"{number[:6]} is not a city or county code")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityInvalid("birth_date", "characters 7 to 14 are not a real date") from None
    if born.year < 1900 or born > (today or date.today()):
        raise IdentityInvalid("birth_date", "the birth date is before 1900 or in the future")
    if number[17] != rid_check_char(number[:17]):
        raise IdentityInvalid("checksum", "the check character (last) does not match the number")

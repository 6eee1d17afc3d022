"""The listing check (SPEC C2): absolute claims, medical claims, prohibited goods, counterfeit signals
and misleading original prices, each located by character offsets so the console can highlight it.

Pure functions over plain values: no database, so the same code serves listing writes, the
`/listings/check` endpoint, the labelled-set evaluation and the benchmark. All word patterns are
compiled into one expression with a named group per finding code, so a field is scanned once.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from trustdesk.compliance import lexicon

ABSOLUTE = "absolute_term"
MEDICAL = "medical_claim"
PROHIBITED = "prohibited_item"
COUNTERFEIT = "counterfeit_signal"
ORIGINAL_PRICE = "inflated_original_price"
CODES = (ABSOLUTE, MEDICAL, PROHIBITED, COUNTERFEIT, ORIGINAL_PRICE)

# Goods that are illegal, dangerous to health or fake are taken down; wording and pricing can be fixed.
BLOCKING = {MEDICAL, PROHIBITED, COUNTERFEIT}
TEXT_FIELDS = ("title", "description")

# A branded item at a fifth of what its category usually costs is rarely genuine.
COUNTERFEIT_PRICE_RATIO = Decimal("0.2")
# An "original price" this many times the selling price is a discount nobody really gives...
ORIGINAL_PRICE_RATIO = Decimal("4")
# ...and one above both the category's usual price and the listing's own recent prices is invented.
ORIGINAL_OVER_NORM_RATIO = Decimal("3")
ORIGINAL_OVER_HISTORY_TOLERANCE = Decimal("1.05")


def _group(code: str, patterns: list[str]) -> str:
    return f"(?P<{code}>" + "|".join(patterns) + ")"


WORDS = re.compile(
    "|".join(
        [
            _group(PROHIBITED, lexicon.PROHIBITED_ZH + lexicon.PROHIBITED_EN),
            _group(MEDICAL, lexicon.MEDICAL_ZH + lexicon.MEDICAL_EN),
            _group(COUNTERFEIT, lexicon.COUNTERFEIT_ZH + lexicon.COUNTERFEIT_EN),
            _group(ABSOLUTE, [*lexicon.ABSOLUTE_ZH, *lexicon.ABSOLUTE_EN, lexicon.ABSOLUTE_PERCENT]),
        ]
    ),
    re.IGNORECASE,
)
BRAND_NAMES = re.compile(
    "|".join(f"(?P<b{i}>{'|'.join(names)})" for i, names in enumerate(lexicon.BRANDS.values())), re.ASCII
)
ACCESSORY = re.compile(lexicon.ACCESSORY, re.ASCII)
BRAND_BY_GROUP = {f"b{i}": brand for i, brand in enumerate(lexicon.BRANDS)}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    field: str
    start: int
    end: int
    message: str
    # The untranslated message and its values, so a stored finding reads in the viewer's language.
    msgid: str = ""
    params: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True)
class ListingText:
    title: str
    description: str = ""
    price: Decimal = Decimal("0")
    brand: str = ""
    original_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CategoryFacts:
    """What the check needs to know about the category and the listing's own past."""

    is_medical: bool = False
    norm_price: Decimal | None = None
    recent_high_price: Decimal | None = None


@dataclass(slots=True)
class Result:
    verdict: str
    findings: list[Finding] = field(default_factory=list)


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 60) : start]
    for mark in lexicon.CLAUSE_BREAKS:
        cut = window.rfind(mark)
        if cut >= 0 and mark not in ",":  # a comma list ("treat, cure or prevent") stays one clause
            window = window[cut + 1 :]
    lowered = f" {window.lower()}"
    return any(n in window for n in lexicon.NEGATIONS_ZH) or any(n in lowered for n in lexicon.NEGATIONS_EN)


WORD_MESSAGES = {
    ABSOLUTE: gettext_noop(
        "“%(term)s” is an absolute claim the Advertising Law forbids; describe the product "
        "with verifiable facts instead."
    ),
    MEDICAL: gettext_noop(
        "“%(term)s” claims to treat or prevent disease, which only medical products may claim; remove it."
    ),
    PROHIBITED: gettext_noop("“%(term)s” names goods that may not be sold on the platform."),
    COUNTERFEIT: gettext_noop("“%(term)s” signals a counterfeit; only genuine goods may be listed."),
}
COUNTERFEIT_PRICE_MESSAGE = gettext_noop(
    "%(brand)s at %(price)s is far below this category's usual %(norm)s; genuine "
    "goods of this brand are not sold this cheaply."
)
ORIGINAL_PRICE_MESSAGE = gettext_noop(
    "The original price %(original)s was never this listing's real price (it now "
    "sells at %(price)s); show the price it actually sold at before the discount."
)
CODE_LABELS = {
    ABSOLUTE: gettext_lazy("Absolute claim"),
    MEDICAL: gettext_lazy("Medical claim"),
    PROHIBITED: gettext_lazy("Prohibited item"),
    COUNTERFEIT: gettext_lazy("Counterfeit signal"),
    ORIGINAL_PRICE: gettext_lazy("Inflated original price"),
}


def _finding(code: str, name: str, start: int, end: int, msgid: str, params: dict[str, str]) -> Finding:
    return Finding(code, name, start, end, _(msgid) % params, msgid, params)


def translated(msgid: str, params: dict[str, str], fallback: str) -> str:
    """A stored finding's message in the active language; the stored text when it predates msgids."""
    return _(msgid) % params if msgid else fallback


def _scan(name: str, text: str, facts: CategoryFacts, out: list[Finding]) -> None:
    for match in WORDS.finditer(text):
        code = match.lastgroup or ""
        if code == MEDICAL and (facts.is_medical or _negated(text, match.start())):
            continue
        out.append(
            _finding(code, name, match.start(), match.end(), WORD_MESSAGES[code], {"term": match.group()})
        )


def _brand_in(listing: ListingText) -> tuple[str, int, int, str] | None:
    """The known brand the listing claims: its brand field first, else a brand named in the title."""
    for name in ("brand", "title"):
        text = getattr(listing, name)
        match = BRAND_NAMES.search(text) if text else None
        if match:
            return name, match.start(), match.end(), BRAND_BY_GROUP[match.lastgroup or ""]
    return None


def _price_findings(listing: ListingText, facts: CategoryFacts, out: list[Finding]) -> None:
    price, original, norm = listing.price, listing.original_price, facts.norm_price
    if norm and price < norm * COUNTERFEIT_PRICE_RATIO and not ACCESSORY.search(listing.title):
        brand = _brand_in(listing)
        if brand:
            name, start, end, label = brand
            params = {"brand": label, "price": str(price), "norm": str(norm)}
            out.append(_finding(COUNTERFEIT, name, start, end, COUNTERFEIT_PRICE_MESSAGE, params))
    if original is None or original <= price:
        return
    if facts.recent_high_price is not None:
        # The listing's own past decides: the struck-through price must be one it really had.
        invented = original > facts.recent_high_price * ORIGINAL_OVER_HISTORY_TOLERANCE
    else:
        # No past to compare with: judge by how deep the discount is and by the category's prices.
        too_deep = original >= price * ORIGINAL_PRICE_RATIO
        above_norm = bool(norm) and original > norm * ORIGINAL_OVER_NORM_RATIO  # type: ignore[operator]
        invented = too_deep or above_norm
    if invented:
        params = {"original": str(original), "price": str(price)}
        out.append(
            _finding(ORIGINAL_PRICE, "original_price", 0, len(str(original)), ORIGINAL_PRICE_MESSAGE, params)
        )


def check(listing: ListingText, facts: CategoryFacts = CategoryFacts()) -> Result:
    findings: list[Finding] = []
    _scan("title", listing.title, facts, findings)
    if listing.description:
        _scan("description", listing.description, facts, findings)
    _price_findings(listing, facts, findings)
    if any(f.code in BLOCKING for f in findings):
        verdict = "block"
    elif findings:
        verdict = "revise"
    else:
        verdict = "pass"
    return Result(verdict, findings)

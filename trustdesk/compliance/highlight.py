"""Cutting a field's text into plain and flagged pieces, so templates highlight findings safely
(autoescaped text in <mark> elements, never HTML assembled in Python)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Piece:
    text: str
    finding: Any = None


def pieces(text: str, findings: list[Any]) -> list[Piece]:
    out, at = [], 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.start < at:  # overlapping spans: the earlier highlight already covers it
            continue
        if f.start > at:
            out.append(Piece(text[at : f.start]))
        out.append(Piece(text[f.start : f.end], f))
        at = f.end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out

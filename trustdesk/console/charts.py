"""Charts drawn on the server as SVG: no chart library reaches the browser."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Point:
    label: str
    value: float


def bar_chart(points: Sequence[Point], *, title: str, width: int = 640, height: int = 200) -> str:
    """A labelled bar chart; every bar carries a <title> so hovering shows its exact value."""
    pad_left, pad_bottom, pad_top = 44, 28, 12
    inner_w, inner_h = width - pad_left - 8, height - pad_bottom - pad_top
    top = max((p.value for p in points), default=0) or 1
    slot = inner_w / max(len(points), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{pad_left}" y1="{pad_top + inner_h}" x2="{width - 8}" '
        f'y2="{pad_top + inner_h}" class="axis"/>',
        f'<text x="{pad_left - 6}" y="{pad_top + 8}" text-anchor="end" class="tick">{top:,.0f}</text>',
        f'<text x="{pad_left - 6}" y="{pad_top + inner_h}" text-anchor="end" class="tick">0</text>',
    ]
    label_every = max(1, len(points) // 8)
    for i, point in enumerate(points):
        bar_h = inner_h * point.value / top
        x = pad_left + i * slot + slot * 0.15
        y = pad_top + inner_h - bar_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
            f'class="bar"><title>{escape(point.label)}: {point.value:,.0f}</title></rect>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - 8}" text-anchor="middle" '
                f'class="tick">{escape(point.label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)

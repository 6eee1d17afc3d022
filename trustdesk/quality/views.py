"""Service quality dashboard: figures per merchant, agent, team or category, charts, drill-down, CSV."""

from __future__ import annotations

import csv
import re
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from trustdesk.console.access import requires
from trustdesk.console.charts import Point, bar_chart
from trustdesk.quality import metrics

# (figure, title, the drill-down a bar opens)
CHARTED = [
    ("cases", gettext_lazy("Cases"), "all"),
    ("sla_breach_rate", gettext_lazy("Deadlines missed %"), "breached"),
    ("csat", gettext_lazy("CSAT %"), "low_csat"),
]
_BAR = re.compile(r'<rect [^>]*class="bar">.*?</rect>')


def _linked(svg: str, links: list[str]) -> str:
    """Make each bar of a chart a link to the cases behind it (bars come in the order of the points)."""
    hrefs = iter(links)
    return _BAR.sub(
        lambda bar: f'<a href="{escape(next(hrefs), {chr(34): "&quot;"})}">{bar.group(0)}</a>', svg
    )


def _drill_url(dimension: str, month: str, key: object, figure: str) -> str:
    query = urlencode({"dimension": dimension, "month": month, "key": key or "none", "figure": figure})
    return f"{reverse('quality:drill')}?{query}"


def _params(request: HttpRequest) -> tuple[str, str]:
    dimension = request.GET.get("dimension", "merchant")
    month = request.GET.get("month", "") or metrics.current_month()
    if dimension not in metrics.DIMENSIONS:
        raise Http404("unknown dimension")
    try:
        metrics.month_bounds(month)
    except ValueError:
        raise Http404("bad month") from None
    return dimension, month


@requires("aftersales.view_quality")
def dashboard(request: HttpRequest) -> HttpResponse:
    dimension, month = _params(request)
    rows = metrics.compute(dimension, month)
    shown = rows[:20]
    charts = [
        _linked(
            bar_chart([Point(r.label[:14], float(getattr(r, name) or 0)) for r in shown], title=str(title)),
            [_drill_url(dimension, month, r.key, figure) for r in shown],
        )
        for name, title, figure in CHARTED
    ]
    context = {
        "rows": rows,
        "columns": metrics.COLUMNS,
        "dimension": dimension,
        "month": month,
        "dimensions": list(metrics.DIMENSIONS),
        "charts": charts,
    }
    return render(request, "quality/dashboard.html", context)


@requires("aftersales.view_quality")
def drill(request: HttpRequest) -> HttpResponse:
    dimension, month = _params(request)
    figure = request.GET.get("figure", "all")
    try:
        rows = metrics.cases_behind(dimension, request.GET.get("key", "none"), month, figure)
    except ValueError:
        raise Http404("unknown figure") from None
    context = {"cases": rows[:500], "dimension": dimension, "month": month, "figure": figure}
    return render(request, "quality/drill.html", context)


@requires("aftersales.view_quality")
def export(request: HttpRequest) -> HttpResponse:
    dimension, month = _params(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quality-{dimension}-{month}.csv"'
    writer = csv.writer(response)
    writer.writerow([dimension, *[name for name, _label in metrics.COLUMNS]])
    for row in metrics.compute(dimension, month):
        writer.writerow(
            [row.label, *["" if getattr(row, n) is None else getattr(row, n) for n, _l in metrics.COLUMNS]]
        )
    return response

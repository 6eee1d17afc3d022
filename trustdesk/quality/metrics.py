"""Service quality figures (C6) per merchant, agent, team or category for one month.

Definitions, each over the cases opened in the month:
- first response: hours from opening to the first answer by the merchant or customer service (median);
- resolution: hours from opening to resolution or closing, for finished cases (median);
- success rate: finished cases that ended with a remedy (refund, exchange, repair, answer) without the
  platform having to step in;
- reopen rate: cases reopened at least once; SLA breach rate: missed deadlines among decided ones;
- process completeness: finished cases with a first response, a recorded resolution and a survey sent;
- CSAT: answered surveys scoring 4 or 5; complaint rate: complaints per 100 orders placed in the month;
- SLA met: customer-service first/next responses given in time (per agent and team).
Every figure links to the cases behind it (`cases_behind`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from trustdesk.aftersales.eligibility import local_zone
from trustdesk.aftersales.models import (
    FINISHED,
    Case,
    CaseKind,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Resolution,
)
from trustdesk.orders.models import Order

DIMENSIONS = {
    "merchant": ("merchant_id", "merchant__legal_name"),
    "agent": ("assigned_agent_id", "assigned_agent__username"),
    "team": ("team_id", "team__name"),
    "category": ("category_id", "category__name_en"),
}
REMEDIES = {
    Resolution.REFUNDED,
    Resolution.PARTIALLY_REFUNDED,
    Resolution.EXCHANGED,
    Resolution.REPAIRED,
    Resolution.ANSWERED,
}
DESK = (DeadlineKind.FIRST_RESPONSE, DeadlineKind.NEXT_RESPONSE)
DRILLS = ("all", "breached", "reopened", "unsuccessful", "complaints", "unanswered_survey", "low_csat")


@dataclass
class Row:
    key: int | None
    label: str
    cases: int = 0
    first_response_hours: float | None = None
    resolution_hours: float | None = None
    success_rate: float | None = None
    reopen_rate: float | None = None
    sla_breach_rate: float | None = None
    completeness: float | None = None
    csat: float | None = None
    complaint_rate: float | None = None
    sla_met: float | None = None
    _acc: dict[str, Any] = field(default_factory=lambda: defaultdict(list), repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """'2025-05' → the month's first instant and the next month's, in the marketplace's time zone."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValueError(f"month must look like 2025-05, not {month!r}") from None
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    zone = local_zone()
    return datetime.combine(first, datetime.min.time(), zone), datetime.combine(
        nxt, datetime.min.time(), zone
    )


def current_month() -> str:
    return timezone.now().astimezone(local_zone()).strftime("%Y-%m")


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _month_cases(month: str) -> QuerySet[Case]:
    start, end = month_bounds(month)
    return Case.objects.filter(opened_at__gte=start, opened_at__lt=end)


def compute(dimension: str, month: str) -> list[Row]:
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}")
    key_field, label_field = DIMENSIONS[dimension]
    cases = list(
        _month_cases(month).values(
            "id",
            "kind",
            "status",
            "resolution",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "escalated_at",
            "reopen_count",
            "survey__invited_at",
            "survey__score",
            key_field,
            label_field,
        )
    )
    ids = [c["id"] for c in cases]
    deadlines: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for drow in (
        Deadline.objects.filter(case_id__in=ids, state__in=[DeadlineState.ACHIEVED, DeadlineState.BREACHED])
        .values("case_id", "kind", "state")
        .annotate(n=Count("id"))
    ):
        desk = "desk_" if drow["kind"] in DESK else ""
        deadlines[drow["case_id"]][desk + drow["state"]] += drow["n"]
    rows: dict[Any, Row] = {}
    for c in cases:
        row = rows.setdefault(c[key_field], Row(c[key_field], c[label_field] or "—"))
        row.cases += 1
        acc = row._acc
        if c["first_response_at"]:
            acc["first"].append((c["first_response_at"] - c["opened_at"]).total_seconds() / 3600)
        finished = c["status"] in FINISHED
        if finished:
            end = c["resolved_at"] or c["closed_at"]
            if end:
                acc["resolution"].append((end - c["opened_at"]).total_seconds() / 3600)
            acc["finished"].append(1)
            acc["success"].append(int(c["resolution"] in REMEDIES and c["escalated_at"] is None))
            acc["complete"].append(
                int(bool(c["first_response_at"] and c["resolution"] and c["survey__invited_at"]))
            )
        acc["reopened"].append(int(c["reopen_count"] > 0))
        d = deadlines.get(c["id"], {})
        acc["met"].append(d.get("achieved", 0))
        acc["missed"].append(d.get("breached", 0))
        acc["desk_met"].append(d.get("desk_achieved", 0))
        acc["desk_missed"].append(d.get("desk_breached", 0))
        if c["survey__score"] is not None:
            acc["csat"].append(int(c["survey__score"] >= 4))
        acc["complaints"].append(int(c["kind"] == CaseKind.COMPLAINT))
    orders = _orders_per(dimension, month)
    for row in rows.values():
        acc = row._acc
        row.first_response_hours = round(median(acc["first"]), 1) if acc["first"] else None
        row.resolution_hours = round(median(acc["resolution"]), 1) if acc["resolution"] else None
        row.success_rate = _share(sum(acc["success"]), len(acc["finished"]))
        row.reopen_rate = _share(sum(acc["reopened"]), row.cases)
        decided = sum(acc["met"]) + sum(acc["missed"])
        row.sla_breach_rate = _share(sum(acc["missed"]), decided)
        row.completeness = _share(sum(acc["complete"]), len(acc["finished"]))
        row.csat = _share(sum(acc["csat"]), len(acc["csat"]))
        desk_decided = sum(acc["desk_met"]) + sum(acc["desk_missed"])
        row.sla_met = _share(sum(acc["desk_met"]), desk_decided)
        if orders is not None:
            placed = orders.get(row.key, 0)
            row.complaint_rate = round(100 * sum(acc["complaints"]) / placed, 2) if placed else None
    return sorted(rows.values(), key=lambda r: (-r.cases, r.label))


def _orders_per(dimension: str, month: str) -> dict[Any, int] | None:
    start, end = month_bounds(month)
    placed = Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
    if dimension == "merchant":
        return dict(placed.values_list("shop__merchant_id").annotate(n=Count("id")))
    if dimension == "category":
        return dict(placed.values_list("items__category_id").annotate(n=Count("id", distinct=True)))
    return None


def cases_behind(dimension: str, key: str, month: str, drill: str = "all") -> QuerySet[Case]:
    """The cases a figure was computed from, narrowed to the ones that made it what it is."""
    if dimension not in DIMENSIONS or drill not in DRILLS:
        raise ValueError("unknown dimension or figure")
    key_field = DIMENSIONS[dimension][0]
    rows = _month_cases(month).filter(**{key_field: None if key in ("", "none") else int(key)})
    if drill == "breached":
        rows = rows.filter(deadlines__state=DeadlineState.BREACHED).distinct()
    elif drill == "reopened":
        rows = rows.filter(reopen_count__gt=0)
    elif drill == "unsuccessful":
        rows = rows.filter(status__in=FINISHED).filter(
            ~Q(resolution__in=REMEDIES) | Q(escalated_at__isnull=False)
        )
    elif drill == "complaints":
        rows = rows.filter(kind=CaseKind.COMPLAINT)
    elif drill == "unanswered_survey":
        rows = rows.filter(survey__isnull=False, survey__answered_at__isnull=True)
    elif drill == "low_csat":
        rows = rows.filter(survey__score__lte=3)
    return rows.select_related("merchant", "shopper", "category").order_by("-opened_at")


COLUMNS = [
    ("cases", "Cases"),
    ("first_response_hours", "First response (h, median)"),
    ("resolution_hours", "Resolution (h, median)"),
    ("success_rate", "Success %"),
    ("reopen_rate", "Reopened %"),
    ("sla_breach_rate", "Deadlines missed %"),
    ("completeness", "Process complete %"),
    ("csat", "CSAT %"),
    ("complaint_rate", "Complaints per 100 orders"),
    ("sla_met", "Desk SLA met %"),
]

"""REST endpoint for the service quality figures (C6)."""

from django.http import HttpRequest
from ninja import Router, Schema

from trustdesk.accounts.api_auth import scoped
from trustdesk.core.errors import ValidationFailed
from trustdesk.core.schemas import ErrorOut
from trustdesk.quality import metrics

router = Router(tags=["quality"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class RowOut(Schema):
    key: int | None
    label: str
    cases: int
    first_response_hours: float | None
    resolution_hours: float | None
    success_rate: float | None
    reopen_rate: float | None
    sla_breach_rate: float | None
    completeness: float | None
    csat: float | None
    complaint_rate: float | None
    sla_met: float | None


class MetricsOut(Schema):
    dimension: str
    month: str
    rows: list[RowOut]


@router.get("/quality/metrics", response={200: MetricsOut, **ERRORS}, auth=scoped("quality:read"))
def read_metrics(request: HttpRequest, dimension: str = "merchant", month: str = ""):
    month = month or metrics.current_month()
    try:
        rows = metrics.compute(dimension, month)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None
    return {"dimension": dimension, "month": month, "rows": [r.as_dict() for r in rows]}

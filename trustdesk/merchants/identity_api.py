"""REST endpoint validating a USCC or resident ID number (SPEC C11)."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from trustdesk.accounts.api_auth import scoped
from trustdesk.core.schemas import ErrorOut, StrictIn
from trustdesk.merchants.verifiers import validate

router = Router(tags=["identity"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class IdentityIn(StrictIn):
    kind: Literal["uscc", "resident_id"]
    # Long enough for a padded or mistyped number to get a reason, short enough to refuse junk.
    value: str = Field(min_length=1, max_length=64)


class IdentityOut(Schema):
    valid: bool
    code: str | None
    reason: str


@router.post("/identity/validate", response={200: IdentityOut, **ERRORS}, auth=scoped("identity:validate"))
def validate_identity(request: HttpRequest, payload: IdentityIn):
    verdict = validate(payload.kind, payload.value)
    return {"valid": verdict.valid, "code": verdict.code or None, "reason": verdict.reason}

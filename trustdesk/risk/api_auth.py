"""Bearer authentication for POST /api/v1/events: the same token check and scope, remembered by each
process for a second.

Looking the token up (an ORM query, then a hash compare) was about a quarter of a single event's cost
over HTTP. A remembered token is still refused once its expiry passes; a revocation reaches every
process within TOKEN_TTL_SECONDS, the same bound as a rule or list change (ruleset.RECHECK_SECONDS).
"""

from __future__ import annotations

import hashlib
import threading
import time

from django.http import HttpRequest

from trustdesk.accounts.api_auth import ScopedBearer
from trustdesk.accounts.models import ApiToken

TOKEN_TTL_SECONDS = 1.0


class RememberedBearer(ScopedBearer):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        # sha256 of the bearer -> (when it was checked, the token); only tokens that passed, with the scope.
        self._known: dict[bytes, tuple[float, ApiToken]] = {}
        self._lock = threading.Lock()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        key = hashlib.sha256(token.encode()).digest()
        known = self._known.get(key)
        if known is not None and time.monotonic() - known[0] < TOKEN_TTL_SECONDS and known[1].is_active:
            return known[1]
        api_token = super().authenticate(request, token)
        with self._lock:
            if api_token is None:
                self._known.pop(key, None)
            else:
                self._known[key] = (time.monotonic(), api_token)
        return api_token

    def forget(self) -> None:
        with self._lock:
            self._known.clear()

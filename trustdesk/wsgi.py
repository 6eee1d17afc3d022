"""The WSGI application, loaded once per server worker process.

Requests under /api/ go to a handler with the API's own middleware (settings.API_MIDDLEWARE), the
rest to the full stack the console needs.
"""

import gc
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
site = get_wsgi_application()


class ApiHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds a handler's chain from settings.MIDDLEWARE only; this runs once, at start-up.
        console_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = console_middleware


api = ApiHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    handler = api if environ.get("PATH_INFO", "").startswith("/api/") else site
    return handler(environ, start_response)


def _settle() -> None:
    """Load what the first request would load, then exempt it all from garbage collection.

    A worker holds about 150,000 long-lived objects (Django, the API schemas, the models and the
    assistant's vectoriser); each full collection walked all of them, stalling the worker ≈ 45 ms
    every hundred-odd requests, which is what set the p99 of an opened request on PostgreSQL.
    Frozen, they are skipped; what requests create is still collected as before.
    """
    from django.urls import get_resolver

    from trustdesk.aftersales import assistant

    get_resolver().url_patterns  # noqa: B018 (imports every view module and the API routers)
    assistant.model()
    gc.collect()
    gc.freeze()


_settle()

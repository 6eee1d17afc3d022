"""The WSGI application, loaded once per server worker process."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")
application = get_wsgi_application()


def _settle() -> None:
    """Load what the first request would load, then exempt it all from garbage collection.

    A worker holds about 150,000 long-lived objects (Django, the API schemas, the models and the
    assistant's vectoriser); each full collection walked all of them, stalling the worker ≈ 45 ms
    every hundred-odd requests, which is what set the p99 of an opened request on PostgreSQL.
    Frozen, they are skipped; what requests create is still collected as before.
    """
    from django.urls import get_resolver

    from trustdesk.aftersales import assistant
    from trustdesk.core.sqlite import checkpoint

    get_resolver().url_patterns  # noqa: B018 (imports every view module and the API routers)
    assistant.model()
    gc.collect()
    gc.freeze()
    # On SQLite, copy the write-ahead log into the database off the requests' path.
    checkpoint.start_for_default_database()


_settle()

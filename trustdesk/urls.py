from django.urls import include, path

from trustdesk.api import api
from trustdesk.core.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("trustdesk.accounts.urls")),
    path("notifications/", include("trustdesk.notifications.urls")),
    path("risk/", include("trustdesk.risk.urls")),
    path("governance/", include("trustdesk.merchants.urls")),
    path("compliance/", include("trustdesk.compliance.urls")),
    path("", include("trustdesk.aftersales.urls")),
    path("", include("trustdesk.quality.urls")),
    path("", include("trustdesk.console.urls")),
]

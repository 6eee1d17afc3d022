from django.urls import path

from trustdesk.compliance import views

app_name = "compliance"
urlpatterns = [
    path("listings/", views.listings, name="listings"),
    path("listings/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("check/", views.check, name="check"),
    path("price-alerts/", views.price_alerts, name="price_alerts"),
    path("price-alerts/<int:pk>/resolve/", views.resolve_price_alert, name="resolve_price_alert"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("spot-checks/<str:period>/", views.plan_detail, name="plan"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
]

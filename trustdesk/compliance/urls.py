from django.urls import path

from trustdesk.compliance import views

app_name = "compliance"
urlpatterns = [
    path("listings/", views.listings, name="listings"),
    path("listings/<int:pk>/", views.listing_detail, name="listing_detail"),
    path("price-alerts/", views.price_alerts, name="price_alerts"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("inspections/<int:pk>/", views.inspection, name="inspection"),
]

from django.urls import path

from trustdesk.risk import views

app_name = "risk"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("rules/", views.rules, name="rules"),
    path("rules/versions/<int:pk>/", views.version_detail, name="version"),
    path("lists/", views.lists_page, name="lists"),
    path("alerts/", views.alerts_page, name="alerts"),
]

from django.urls import path

from trustdesk.quality import views

app_name = "quality"
urlpatterns = [
    path("quality/", views.dashboard, name="dashboard"),
    path("quality/cases/", views.drill, name="drill"),
    path("quality/export.csv", views.export, name="export"),
]

from django.urls import path

from trustdesk.merchants import views

app_name = "merchants"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("my-applications/", views.my_applications, name="my_applications"),
    path("admissions/", views.admissions, name="admissions"),
    path("admissions/<int:pk>/", views.admission_detail, name="admission_detail"),
    path("penalties/", views.penalties, name="penalties"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty"),
    path("my-penalties/", views.my_penalties, name="my_penalties"),
    path("merchants/<int:pk>/governance/", views.merchant_governance, name="governance"),
    path("merchants/<int:pk>/credit/", views.merchant_credit, name="credit"),
]

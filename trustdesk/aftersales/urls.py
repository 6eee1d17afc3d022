from django.urls import path

from trustdesk.aftersales import policy_views, views

app_name = "aftersales"
urlpatterns = [
    path("aftersales/", views.cases, name="cases"),
    path("aftersales/<int:pk>/", views.case_detail, name="case"),
    path("aftersales/<int:pk>/act/", views.case_action, name="act"),
    path("aftersales/new/<int:item_id>/", views.open_request, name="open"),
    path("aftersales/evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("aftersales/policies/", policy_views.policies_page, name="policies"),
    path("aftersales/canned-replies/", views.canned_replies, name="canned"),
]

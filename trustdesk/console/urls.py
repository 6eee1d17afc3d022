from django.urls import path

from trustdesk.console import views

app_name = "console"
urlpatterns = [
    path("", views.home, name="home"),
    path("figures/", views.home_figures, name="home_figures"),
    path("merchants/", views.merchants, name="merchants"),
    path("merchants/<int:pk>/", views.merchant_detail, name="merchant_detail"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("reveal/<str:kind>/<int:pk>/<str:field>/", views.reveal, name="reveal"),
    path("audit/", views.audit_log, name="audit"),
    path("tokens/", views.tokens, name="tokens"),
    path("me/orders/", views.my_orders, name="my_orders"),
    path("me/shop/", views.my_shop, name="my_shop"),
]

"""Console pages render real data for their roles, with bounded query counts (no N+1)."""

from __future__ import annotations

from conftest import ORDER_TOTAL, order_body

from trustdesk.merchants.models import Merchant
from trustdesk.orders.models import Order


def _orders(api, n: int) -> None:
    for i in range(n):
        status, body = api.post("/orders", order_body(f"o-{i}"))
        assert status == 201, body


def test_dashboard_shows_live_figures_and_a_chart(staff_client, api, marketplace):
    _orders(api, 3)
    page = staff_client("analyst").get("/").content.decode()
    assert 'data-testid="orders-30d">3<' in page
    assert 'data-testid="active-merchants">1<' in page
    assert "<svg" in page and "Orders per day" in page


def test_dashboard_figures_refresh_through_htmx(staff_client, api, marketplace):
    client = staff_client("analyst")
    _orders(api, 1)
    fragment = client.get("/figures/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'data-testid="orders-30d">1<' in fragment


def test_dashboard_query_count_does_not_grow_with_data(
    staff_client, api, marketplace, django_assert_max_num_queries
):
    client = staff_client("analyst")
    _orders(api, 12)
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200


def test_order_list_query_count_is_flat(staff_client, api, marketplace, django_assert_max_num_queries):
    client = staff_client("agent")
    _orders(api, 20)
    with django_assert_max_num_queries(10):
        page = client.get("/orders/")
    assert page.content.decode().count("/orders/") >= 20


def test_order_detail_shows_items_history_and_masked_address(staff_client, api, marketplace):
    _orders(api, 1)
    order = Order.objects.get()
    page = staff_client("agent").get(f"/orders/{order.pk}/").content.decode()
    assert "纯棉T恤" in page and str(ORDER_TOTAL) in page
    assert "文三路" not in page  # the street is masked
    assert "Reveal" not in page  # agents cannot reveal


def test_merchant_search_and_filter(staff_client, marketplace):
    client = staff_client("governance")
    assert "杭州好物" in client.get("/merchants/?q=好物").content.decode()
    assert "杭州好物" not in client.get("/merchants/?status=suspended").content.decode()
    merchant = Merchant.objects.get()
    detail = client.get(f"/merchants/{merchant.pk}/").content.decode()
    assert "好物旗舰店" in detail and "Reveal" in detail


def test_a_shopper_sees_only_their_own_orders(make_user, api, marketplace):
    from django.test import Client

    from trustdesk.accounts.models import Shopper

    _orders(api, 2)
    api.post("/shoppers", {"external_id": "u-2", "display_name": "Han Meimei"})
    api.post("/orders", order_body("o-other", shopper="u-2"))
    user = make_user("lilei", "shopper", totp=False)
    Shopper.objects.filter(external_id="u-1").update(user=user)
    client = Client()
    client.force_login(user)
    page = client.get("/me/orders/").content.decode()
    assert "o-0" in page and "o-1" in page and "o-other" not in page
    assert client.get("/orders/").status_code == 403


def test_a_merchant_sees_only_their_own_shop(make_user, api, marketplace):
    from django.test import Client

    _orders(api, 1)
    user = make_user("shopowner", "merchant", merchant_id=Merchant.objects.get().pk, totp=False)
    client = Client()
    client.force_login(user)
    page = client.get("/me/shop/").content.decode()
    assert "o-0" in page and "杭州好物" in page
    assert client.get("/merchants/").status_code == 403


def test_admins_create_and_revoke_tokens_in_the_console(staff_client):
    client = staff_client("admin")
    page = client.post("/tokens/", {"name": "crm", "scopes": ["orders:read"]}).content.decode()
    assert 'data-testid="new-token">td_' in page
    client.post("/tokens/", {"revoke": "crm"})
    from trustdesk.accounts.models import ApiToken

    assert not ApiToken.objects.get(name="crm").is_active
    refused = client.post("/tokens/", {"name": "x", "scopes": ["teleport"]})
    assert refused.status_code == 422

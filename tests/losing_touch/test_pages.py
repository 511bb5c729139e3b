"""The losing-touch page and its "Plan a check-in" button (issue 14): who may, what they see, double clicks."""

from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from followups.models import CheckIn, DeskSettings

from .conftest import contact, local

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
LIST = "/teams/losing-touch/"


def as_(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def plan_url(customer) -> str:
    return reverse("followups:customer-losing-touch-plan", args=[customer.pk])


def shown(response) -> str:
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_page_is_where_the_urls_say():
    assert reverse("followups:losing-touch") == LIST


def test_a_lead_sees_their_teams_customers_with_what_happened(desk):
    html = shown(as_(desk.users["lies"]).get(LIST, headers=EN))

    assert "Exact Veertien" in html and "Belofte Gebroken" in html
    assert "Ander Team" not in html  # team Zuid's
    assert "Promise “Monteur inplannen” broken on" in html
    assert "ended negative (phone)" in html
    assert html.count('class="losing-touch-plan"') == 2
    assert "for 14 days or longer" in html


def test_a_manager_sees_every_team_and_may_filter_on_one(desk):
    client = as_(desk.users["mila"])

    everything = shown(client.get(LIST, headers=EN))
    zuid = shown(client.get(LIST, {"team": desk.zuid.pk}, headers=EN))

    assert all(name in everything for name in ("Exact Veertien", "Belofte Gebroken", "Ander Team"))
    assert "Ander Team" in zuid and "Exact Veertien" not in zuid
    assert "ended very negative (e-mail)" in zuid


def test_staff_may_not_open_the_page_nor_plan(desk):
    client = as_(desk.users["anna"])

    assert client.get(LIST).status_code == 403
    assert client.post(plan_url(desk.customers["Exact Veertien"])).status_code == 403
    assert not CheckIn.objects.exists()


def test_a_lead_filtering_on_another_team_gets_404(desk):
    assert as_(desk.users["lies"]).get(LIST, {"team": desk.zuid.pk}).status_code == 404


@pytest.mark.parametrize("team", ["²", "a\x00b", "x" * 5000, "99999999999999999999999", "-1"])
def test_a_team_filter_that_cannot_be_read_is_a_400(desk, team):
    assert as_(desk.users["mila"]).get(LIST, {"team": team}).status_code == 400


@pytest.mark.parametrize("after", ["abc", "999999999999999999.0.1", "1.0.\x00", "1.0.٣"])
def test_a_page_link_that_cannot_be_read_is_a_400(desk, after):
    assert as_(desk.users["lies"]).get(LIST, {"after": after}).status_code == 400


def test_planning_for_another_teams_customer_is_a_404_and_plans_nothing(desk):
    response = as_(desk.users["lies"]).post(plan_url(desk.customers["Ander Team"]))

    assert response.status_code == 404
    assert not CheckIn.objects.exists()


def test_one_click_plans_a_check_in_and_the_row_then_says_so(desk):
    client = as_(desk.users["lies"])
    customer = desk.customers["Exact Veertien"]

    response = client.post(plan_url(customer), {"next": LIST + f"?team={desk.noord.pk}"}, headers=EN, follow=True)

    html = shown(response)
    checkin = CheckIn.objects.get(customer=customer)
    assert (checkin.kind, checkin.assignee, checkin.history.get().history_user) == (
        "touch",
        desk.users["anna"],
        desk.users["lies"],
    )
    assert response.redirect_chain[-1][0] == LIST + f"?team={desk.noord.pk}"
    assert f"A check-in to get back in touch with {customer.full_name} is planned for Anna Smit, due" in html
    assert "Planned: back in touch, due" in html
    assert html.count('class="losing-touch-plan"') == 1  # only Belofte Gebroken still has the button


def test_a_double_click_plans_one_and_says_so(desk):
    client = as_(desk.users["lies"])
    customer = desk.customers["Belofte Gebroken"]

    client.post(plan_url(customer), headers=EN)
    second = client.post(plan_url(customer), headers=EN, follow=True)

    assert CheckIn.objects.filter(customer=customer).count() == 1
    assert f"A check-in for {customer.full_name} is already planned (back in touch, due" in shown(second)


def test_a_stale_page_says_the_customer_was_contacted_since(desk):
    customer = desk.customers["Belofte Gebroken"]
    contact(customer, when=local(0, 0, 1), team=desk.noord, by=desk.users["bram"], direction="out")

    response = as_(desk.users["lies"]).post(plan_url(customer), headers=EN, follow=True)

    assert f"{customer.full_name} is no longer losing touch" in shown(response)
    assert not CheckIn.objects.exists()


def test_a_next_to_another_site_is_ignored(desk):
    response = as_(desk.users["lies"]).post(
        plan_url(desk.customers["Exact Veertien"]), {"next": "//evil.example/"}, headers=EN
    )

    assert (response.status_code, response["Location"]) == (302, LIST)


def test_the_page_reads_a_constant_number_of_queries(desk):
    client = as_(desk.users["mila"])
    client.get(LIST)  # the session and permissions warm up
    with CaptureQueriesContext(connection) as few:
        shown(client.get(LIST))
    for i in range(5):
        other = desk.customers["Ander Team"].__class__.objects.create(
            full_name=f"Extra {i}", customer_number=f"X{i}", search_name=f"extra {i}"
        )
        contact(other, when=local(20 + i, 9), team=desk.zuid, by=desk.users["zara"], sentiment_end=2)
    with CaptureQueriesContext(connection) as more:
        html = shown(client.get(LIST))

    assert html.count('class="losing-touch-row"') == 8
    assert len(more.captured_queries) == len(few.captured_queries)


def test_managers_set_the_threshold_on_the_desk_settings_page(desk):
    client = as_(desk.users["mila"])
    data = {"opening_hours": "", "keep_informed_days": "3", "reply_email": "1d", "losing_touch_days": "20"}

    response = client.post(reverse("followups:desk-settings"), data, headers=EN)
    html = shown(client.get(LIST, headers=EN))

    assert response.status_code == 302
    assert DeskSettings.objects.get().losing_touch_days == 20
    assert "for 20 days or longer" in html
    assert "Exact Veertien" not in html and "Belofte Gebroken" not in html  # 14 and 15 days


@pytest.mark.parametrize("value", ["0", "366", "99999"])
def test_a_threshold_out_of_range_is_refused_next_to_its_field(desk, value):
    data = {"opening_hours": "", "keep_informed_days": "3", "reply_email": "1d", "losing_touch_days": value}

    response = as_(desk.users["mila"]).post(reverse("followups:desk-settings"), data, headers=EN)

    html = shown(response)
    assert ("Choose 1 to 365 days." in html) or ("less than or equal to 9999" in html)
    assert not DeskSettings.objects.exists()


def test_an_empty_threshold_is_the_default(desk):
    data = {"opening_hours": "", "keep_informed_days": "3", "reply_email": "1d", "losing_touch_days": ""}

    as_(desk.users["mila"]).post(reverse("followups:desk-settings"), data, headers=EN)

    assert DeskSettings.objects.get().losing_touch_days == 14


def test_the_list_is_linked_from_the_teams_page_and_the_team_board(desk):
    manager, lead = as_(desk.users["mila"]), as_(desk.users["lies"])

    teams = shown(manager.get(reverse("followups:team-list"), headers=EN))
    board = shown(lead.get(reverse("followups:team-board", args=[desk.noord.pk]), headers=EN))

    assert f'href="{LIST}"' in teams
    assert f'href="{LIST}?team={desk.noord.pk}"' in board

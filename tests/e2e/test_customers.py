"""Issue 10 in a real browser: browsing customers with a filter page by page, and a duplicate caught on New customer."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Customer

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_desk_browses_customers_with_a_filter_and_pages_on(login, page, live_server, a11y, screenshot):
    # given 30 customers last helped by the shop, some with an open promise, and one by the desk
    shop, desk = TeamFactory(name="Shop"), TeamFactory(name="Desk")
    for index in range(30):
        moment = ContactMomentFactory(
            customer=CustomerFactory(full_name=f"Klant {index:02d}"),
            team=shop,
            occurred_at=timezone.now() - timedelta(hours=index + 1),
        )
        if index % 3 == 0:
            PromiseFactory(moment=moment)
    ContactMomentFactory(customer=CustomerFactory(full_name="Bij de balie"), team=desk)
    login(UserFactory(username="desk"))

    # the nav leads to the Customers page
    page.get_by_role("link", name="Customers", exact=True).click()
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    a11y("customers")

    # filter: the shop's customers, newest contact first
    page.select_option("#id_team", label="Shop")
    page.select_option("#id_sort", value="last_contact")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("tr.customer-row")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Klant 00")
    expect(page.locator(".customer-list")).not_to_contain_text("Bij de balie")
    screenshot("customers-filtered")

    # the next page carries the filter on
    page.get_by_role("link", name="Next page").click()
    expect(rows).to_have_count(5)
    expect(rows.last).to_contain_text("Klant 29")
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)

    # and the open-promises filter narrows it down
    page.get_by_label("Has open promises").check()
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text("open promises")


def test_a_possible_duplicate_is_shown_on_new_customer(login, page, live_server, a11y, screenshot):
    existing = CustomerFactory(full_name="Anna Bakker", phone="+31612345678")
    login(UserFactory(username="desk"))

    # typing a customer whose phone is known: the question, not a second customer
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("#id_full_name", "Anna Bakker-de Wit")
    page.fill("#id_phone", "06 12 34 56 78")
    page.get_by_role("button", name="Save").click()
    warning = page.locator(".possible-duplicates")
    expect(warning).to_contain_text("This customer may exist already")
    expect(warning).to_contain_text("Anna Bakker")
    expect(warning).to_contain_text("same phone")
    a11y("new-customer-duplicates")
    screenshot("new-customer-duplicates")

    # Open this one: the existing customer's page
    warning.get_by_role("link", name="Open this one").click()
    expect(page).to_have_url(f"{live_server.url}{existing.get_absolute_url()}")

    # Create anyway: a second customer, on purpose
    page.go_back()
    expect(page.locator(".possible-duplicates")).to_be_visible()
    page.get_by_role("button", name="Create anyway").click()
    expect(page.get_by_text("Customer created.")).to_be_visible()
    assert Customer.objects.filter(phone="+31612345678").count() == 2

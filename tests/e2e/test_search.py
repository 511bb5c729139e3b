"""Issue 9, items 3 and 10 in a real browser: the top-bar search as the desk uses it, and a new customer from it."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from contacts.models import Customer

from ..factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _search(page, text):
    page.fill("#q", text)
    return page.locator("#search-results")


def test_the_desk_finds_customers_however_they_are_typed(login, page, live_server, a11y, screenshot):
    # given customers, two of them with the same name, and more Smits than the dropdown shows
    CustomerFactory(full_name="Willem Jansen", phone="+31633134406", email="willem@example.com")
    CustomerFactory(full_name="Willem Jansen", phone="+31201234567", email="w.jansen@example.org")
    CustomerFactory(full_name="Peter Schouten")
    for i in range(30):
        CustomerFactory(full_name=f"Lisa Smit {i:02d}")
    login(UserFactory(username="desk"))

    # surname first finds both Willems, told apart by phone and e-mail
    results = _search(page, "Jansen Willem")
    expect(results.locator("a[data-hit]")).to_have_count(2)
    expect(results).to_contain_text("06 33134406")
    expect(results).to_contain_text("020 123 4567")
    expect(results).to_contain_text("w.jansen@example.org")
    screenshot("search-same-name")

    # a typo still finds the customer (PostgreSQL's trigram similarity)
    if connection.vendor == "postgresql":
        expect(_search(page, "Schoutn")).to_contain_text("Peter Schouten")

    # the last digits of a phone number
    results = _search(page, "3313 4406")
    expect(results.locator("a[data-hit]")).to_have_count(1)
    expect(results).to_contain_text("willem@example.com")

    # an emoji says what can be searched
    expect(_search(page, "🙂")).to_contain_text("There is nothing to search for in this")

    # after ten hits, "More hits" opens the search page, which pages through all thirty
    results = _search(page, "smit")
    expect(results.get_by_text("Lisa Smit")).to_have_count(10)
    results.get_by_role("link", name="More hits").click()
    expect(page.locator("main")).to_contain_text("30 customers found")
    expect(page.locator("main .search-hits").get_by_text("Lisa Smit")).to_have_count(25)
    a11y("search page")
    screenshot("search-page")
    page.get_by_role("link", name="Next").click()
    expect(page.locator("main .search-hits").get_by_text("Lisa Smit")).to_have_count(5)
    expect(page.locator("main")).to_contain_text("Lisa Smit 29")


def test_a_new_customer_from_a_phone_number_that_found_nobody(login, page, live_server, a11y, screenshot):
    login(UserFactory(username="desk"))

    # a number that finds nobody offers a new customer
    results = _search(page, "06 2288 4411")
    expect(results).to_contain_text("No customer found.")
    results.get_by_role("link", name="New customer").click()

    # the number is in Phone, as typed, and the cursor waits in Name
    expect(page.locator("#id_phone")).to_have_value("06 2288 4411")
    expect(page.locator("#id_full_name")).to_have_value("")
    expect(page.locator("#id_full_name")).to_be_focused()
    a11y("new customer from a search")
    screenshot("new-customer-from-search")

    page.keyboard.type("Sam de Groot")
    page.keyboard.press("Control+Enter")
    expect(page.locator("main")).to_contain_text("Sam de Groot")
    assert Customer.objects.get(full_name="Sam de Groot").phone == "+31622884411"


def test_names_that_start_with_what_is_typed_come_first(login, page, live_server):
    # given a name that starts with "ja", a surname that does, and "ja" inside a word
    CustomerFactory(full_name="Piet Jansen")
    CustomerFactory(full_name="Marjan Vos")
    CustomerFactory(full_name="Jansje Bos")
    login(UserFactory(username="desk"))

    # two letters: names that start with them, then names with a word that does; never the middle of a word
    hits = _search(page, "ja").locator("a[data-hit]")
    expect(hits).to_have_count(2)
    expect(hits.nth(0)).to_contain_text("Jansje Bos")
    expect(hits.nth(1)).to_contain_text("Piet Jansen")

    # from three letters the middle of a name counts too, after the others
    hits = _search(page, "jan").locator("a[data-hit]")
    expect(hits).to_have_count(3)
    expect(hits.nth(2)).to_contain_text("Marjan Vos")

    # Enter opens the best hit
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Jansje Bos")

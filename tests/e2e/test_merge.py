"""Journey: a team lead merges a customer who was entered twice; the old customer's page leads to the survivor."""

import re

import pytest
from playwright.sync_api import expect

from contactcare import roles
from contacts.models import ContactMoment, Customer, CustomerMerge

from ..factories import ContactMomentFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lead_merges_a_duplicate_taking_the_phone_of_the_other(login, page, live_server, a11y, screenshot):
    lotte = UserFactory(username="lotte", first_name="Lotte", last_name="Smit", role=roles.TEAM_LEAD)
    original = CustomerFactory(full_name="Johanna de Boer", phone="+31611112222", email="johanna@example.org")
    double = CustomerFactory(full_name="Johanna de Boer-Smit", phone="+31633334444", email="johanna@example.org")
    ContactMomentFactory(customer=original, summary="Vraag over de meterstand")
    ContactMomentFactory(customer=double, summary="Verhuizing doorgegeven")

    login(lotte)
    page.goto(f"{live_server.url}{original.get_absolute_url()}")
    page.get_by_role("link", name="Merge with…").click()

    # the duplicate is proposed (same e-mail address); compare them side by side
    candidate = page.locator(".merge-candidate", has_text=double.customer_number)
    candidate.get_by_role("link", name="Compare").click()
    table = page.locator(".merge-table")
    expect(table).to_contain_text("06 11112222")
    expect(table).to_contain_text("06 33334444")
    expect(page.locator(".merge-field[data-field=customer_number] input[value=this]")).to_be_checked()
    a11y("merge compare")
    screenshot("merge-compare")

    # the other's phone survives; the number (and so the row) of the original stays
    page.locator(".merge-field[data-field=phone]").get_by_text("06 33334444").click()
    page.get_by_role("button", name="Merge").click()

    page.wait_for_url(re.compile(rf"{original.get_absolute_url()}$"))
    expect(page.locator(".alert-success")).to_contain_text(f"{double.customer_number} was merged into this customer.")
    expect(page.locator("#timeline")).to_contain_text("Vraag over de meterstand")
    expect(page.locator("#timeline")).to_contain_text("Verhuizing doorgegeven")
    expect(page.locator("main")).to_contain_text("06 33334444")

    # the old customer's page lands on the survivor
    page.goto(f"{live_server.url}{double.get_absolute_url()}")
    page.wait_for_url(re.compile(rf"{original.get_absolute_url()}$"))
    expect(page.locator("main")).to_contain_text("was merged into this customer")

    survivor = Customer.objects.get(pk=original.pk)
    assert survivor.phone == "+31633334444" and survivor.merged_into_id is None
    assert Customer.objects.get(pk=double.pk).merged_into_id == original.pk
    assert ContactMoment.objects.filter(customer=original).count() == 2
    assert CustomerMerge.objects.get().actor == lotte

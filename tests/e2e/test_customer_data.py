"""Journeys: correcting and deleting a logged contact; exporting and erasing a customer (privacy requests)."""

import zipfile

import pytest
from playwright.sync_api import expect

from contactcare import roles
from contacts.models import ContactMoment, Customer

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_author_corrects_the_topic_and_the_lead_deletes_a_double(login, page, live_server, browser):
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    lotte = UserFactory(username="lotte", first_name="Lotte", last_name="Smit", role=roles.TEAM_LEAD)
    team = TeamFactory(name="Team Noord", members=[anna, lotte], lead=lotte)
    TopicFactory(name="Storing")
    customer = CustomerFactory(full_name="Willem Hoekstra")
    first = ContactMomentFactory(customer=customer, logged_by=anna, team=team, summary="Belt over de monteur")
    double = ContactMomentFactory(customer=customer, logged_by=anna, team=team, summary="Twee keer vastgelegd")

    # the author corrects the topic of today's contact
    login(anna)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    page.locator(f"#contact-{first.pk}").get_by_role("link", name="Correct").click()
    page.get_by_label("Topic").select_option(label="Storing")
    page.get_by_label("Why is it corrected?").fill("verkeerd onderwerp gekozen")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator(".alert-success")).to_contain_text("Contact corrected.")
    first.refresh_from_db()
    assert first.topic.name == "Storing"
    expect(page.locator(f"#contact-{double.pk}").get_by_role("link", name="Delete…")).to_have_count(0)  # not hers

    # the team lead deletes the double with a reason
    lead_page = browser.new_page()
    lead_page.goto(f"{live_server.url}/accounts/login/")
    lead_page.fill("#id_username", "lotte")
    lead_page.fill("#id_password", "correct horse battery staple")
    lead_page.click("button[type=submit]")
    lead_page.wait_for_url(lambda url: "/accounts/login/" not in url)
    lead_page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    lead_page.locator(f"#contact-{double.pk}").get_by_role("link", name="Delete…").click()
    lead_page.get_by_label("Why is it deleted?").fill("twee keer vastgelegd")
    lead_page.get_by_role("button", name="Delete contact").click()
    expect(lead_page.locator("#timeline")).not_to_contain_text("Twee keer vastgelegd")
    expect(lead_page.locator("#timeline")).to_contain_text("Belt over de monteur")
    double.refresh_from_db()
    assert double.deleted_at is not None and double.deletion_reason == "twee keer vastgelegd"
    assert ContactMoment.objects.alive().filter(customer=customer).count() == 1


def test_a_manager_exports_then_erases_a_customer(login, page, live_server, tmp_path):
    maria = UserFactory(username="maria", role=roles.MANAGER)
    customer = CustomerFactory(full_name="Fatima el Amrani", phone="+31612345678", email="fatima@example.org")
    ContactMomentFactory(customer=customer, summary="Vraag over de factuur van Fatima")
    login(maria)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export data").click()
    archive = tmp_path / "export.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as zipped:
        assert "Fatima el Amrani" in "".join(zipped.read(name).decode() for name in zipped.namelist())

    page.get_by_role("link", name="Erase…").click()
    page.get_by_label("Type the customer number to confirm").fill(customer.customer_number)
    page.get_by_label("Reason").fill("verzoek AVG-2026-17")
    page.get_by_role("button", name="Erase this customer").click()

    expect(page.locator("main")).not_to_contain_text("Fatima")
    page.locator("#q").press_sequentially("Fatima")
    expect(page.locator("#search-results")).not_to_contain_text("Fatima")
    erased = Customer.objects.get(pk=customer.pk)
    assert (erased.phone, erased.email) == ("", "")

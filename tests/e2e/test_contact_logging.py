"""Journey: a desk employee finds the caller and logs the call with the keyboard alone."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import ContactMoment

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_find_a_caller_by_name_and_log_the_call_with_the_keyboard(login, page, screenshot):
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    TeamFactory(name="Team Noord", members=[anna])
    customer = CustomerFactory(full_name="Willem Hoekstra", preferred_address="meneer Hoekstra", phone="+31612345678")
    ContactMomentFactory(customer=customer, summary="Eerder gesprek over de factuur")
    CustomerFactory(full_name="Wilma Bakker")
    login(anna)

    # "/" jumps to the search bar; four letters show the customer
    page.keyboard.press("/")
    page.keyboard.type("hoek")
    hit = page.locator("#search-results a[data-hit]").first
    expect(hit).to_contain_text("Willem Hoekstra")
    expect(hit).to_contain_text(customer.customer_number)
    screenshot("search-as-you-type", full_page=False)

    # Enter opens the best hit: the recognition panel says who this is
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".recognition")).to_contain_text("meneer Hoekstra")
    screenshot("customer-page")

    # Alt+L opens the log form, channel and direction preselected; type and Ctrl+Enter
    page.keyboard.press("Alt+l")
    page.wait_for_url("**/log/")
    expect(page.locator("#id_channel")).to_have_value("phone")
    expect(page.locator("#id_direction")).to_have_value("in")
    expect(page.locator("#id_topic")).to_be_focused()
    page.keyboard.press("Tab")  # topic → summary
    page.keyboard.type("Belt over de monteur; afspraak bevestigd")
    screenshot("log-contact")
    page.keyboard.press("Control+Enter")

    # back on the customer page, the new call on top, with a confirmation
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".alert-success")).to_contain_text("Contact logged")
    expect(page.locator("#timeline .contact-row").first).to_contain_text("Belt over de monteur")
    moment = ContactMoment.objects.latest("created_at")
    assert (moment.customer, moment.logged_by, moment.channel) == (customer, anna, "phone")


def test_find_a_caller_by_phone_number_in_any_spelling(login, page):
    anna = UserFactory(username="anna")
    customer = CustomerFactory(full_name="Fatima el Amrani", phone="+31612345678")
    login(anna)

    for typed in ("06 12345678", "+31 6 1234 5678", "0031612345678"):
        page.fill("#q", "")
        page.locator("#q").press_sequentially(typed)
        expect(page.locator("#search-results a[data-hit]")).to_have_count(1)
        expect(page.locator("#search-results")).to_contain_text("Fatima el Amrani")

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"{customer.get_absolute_url()}$"))


def test_a_double_click_on_save_and_saving_again_after_back_log_one_contact(login, page, live_server):
    anna = UserFactory(username="anna")
    customer = CustomerFactory(full_name="Willem Hoekstra")
    login(anna)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}log/")
    page.fill("#id_summary", "Belt over de monteur")
    save = page.locator(".contact-log-form button[type=submit]")

    save.dblclick()
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".alert-success")).to_contain_text("Contact logged")

    page.go_back()  # the filled form again, as the browser kept it
    page.wait_for_url("**/log/")
    expect(save).to_be_enabled()
    expect(page.locator("#id_summary")).to_have_value("Belt over de monteur")
    save.click()
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".alert-info")).to_contain_text("already saved")
    assert ContactMoment.objects.filter(customer=customer).count() == 1


def test_after_a_call_now_the_next_caller_is_logged_as_inbound_in_the_documented_flow(login, page, live_server):
    anna = UserFactory(username="anna", first_name="Anna")
    team = TeamFactory(members=[anna])
    called = CheckInFactory(
        origin=ContactMomentFactory(logged_by=anna, team=team, customer=CustomerFactory(full_name="Kees Bos")),
        assignee=anna,
        due_date=timezone.localdate(),
    )
    caller = CustomerFactory(full_name="Willem Hoekstra")
    login(anna)

    # a Call now from My day: an outbound call, and the page says so next to the summary
    page.locator(f"#checkin-{called.pk} a", has_text="Call now").click()
    page.wait_for_url("**/log/?checkin=*")
    expect(page.locator("[data-direction-text]")).to_have_text("Phone · Outbound: we contacted the customer")
    page.fill("#id_summary", "Nagebeld: alles werkt weer")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{called.customer.get_absolute_url()}")

    # then someone rings: search, Enter, Alt+L, Tab, summary, Ctrl+Enter
    page.keyboard.press("/")
    page.keyboard.type("hoek")
    expect(page.locator("#search-results a[data-hit]").first).to_contain_text("Willem Hoekstra")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{caller.get_absolute_url()}")
    page.keyboard.press("Alt+l")
    page.wait_for_url("**/log/")
    shown = page.locator("[data-direction-text]")
    expect(shown).to_have_text("Phone · Inbound: the customer contacted us")
    page.select_option("#id_direction", "out")  # the words follow the list, and back
    expect(shown).to_have_text("Phone · Outbound: we contacted the customer")
    page.locator("[data-direction-switch]").click()
    expect(shown).to_have_text("Phone · Inbound: the customer contacted us")
    page.locator("#id_topic").focus()
    page.keyboard.press("Tab")
    page.keyboard.type("Belt over de monteur")
    page.keyboard.press("Control+Enter")

    page.wait_for_url(f"**{caller.get_absolute_url()}")
    moment = ContactMoment.objects.get(customer=caller)
    assert (moment.channel, moment.direction, moment.summary) == ("phone", "in", "Belt over de monteur")
    called.refresh_from_db()
    assert (called.status, called.done_moment.direction) == ("done", "out")

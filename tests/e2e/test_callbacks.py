"""Issue 12 in a real browser: a missed call shows up as a callback on My day and is kept by logging the call."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from followups.models import Promise

from ..factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_missed_call_becomes_a_callback_on_my_day_kept_by_logging_the_call(login, page, live_server, a11y):
    # given a desk, and a customer who called while nobody answered
    sanne = UserFactory(username="sanne", first_name="Sanne", last_name="Staff")
    team = TeamFactory(name="Service", members=[sanne])
    customer = CustomerFactory(full_name="Willem Jansen", phone="+31633134406")
    call_command(
        "cti_simulate", "--team", "Service", "--scenario", "missed", "--from", "06 33134406", "--direct", "--ring", "0"
    )
    callback = Promise.objects.get(kind=Promise.Kind.CALLBACK)
    assert (callback.customer, callback.team) == (customer, team)

    # when Sanne opens My day
    login(sanne)
    page.goto(f"{live_server.url}/my-day/")

    # then the callback is there, labelled, with Log now
    section = page.locator("#section-callbacks")
    row = section.locator(f"#promise-{callback.pk}")
    expect(row).to_contain_text("Call back")
    expect(row).to_contain_text("Willem Jansen")
    expect(row).to_contain_text("missed call")
    a11y("my day with a callback")

    # Log now opens the log form for an outbound phone call; saving it keeps the callback
    row.get_by_role("link", name="Log now").click()
    page.wait_for_url(f"**/customers/{customer.pk}/log/?direction=out&channel=phone")
    expect(page.locator("#id_direction")).to_have_value("out")
    expect(page.locator("#id_channel")).to_have_value("phone")
    page.fill("#id_summary", "Teruggebeld: vraag beantwoord")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{customer.get_absolute_url()}")

    callback.refresh_from_db()
    assert callback.status == Promise.Status.KEPT
    page.goto(f"{live_server.url}/my-day/")
    expect(page.locator(f"#promise-{callback.pk}")).to_have_count(0)

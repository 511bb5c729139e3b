"""Issue 12 in a real browser: a manager simulates calls; the caller log shows them, with Log now and New customer."""

import re

import pytest
from playwright.sync_api import expect

from contactcare import roles
from cti.models import Call

from ..factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _simulate(page, live_server, *, team, scenario, number, user):
    page.goto(f"{live_server.url}/calls/simulate/")
    page.get_by_label("Team").select_option(label=team)
    page.get_by_label("What happens").select_option(scenario)
    page.get_by_label("Caller's number").fill(number)
    page.get_by_label("Rings for (user name)").fill(user)
    page.get_by_role("button", name="Send the call").click()
    expect(page.locator(".alert")).to_contain_text("Simulated call sent")


def test_simulated_calls_land_in_the_caller_log(login, page, live_server, a11y, screenshot):
    # given a desk with a known customer
    sanne = UserFactory(username="sanne", first_name="Sanne", last_name="Staff")
    TeamFactory(name="Service", members=[sanne])
    customer = CustomerFactory(full_name="Willem Jansen", phone="+31633134406")
    login(UserFactory(username="mila", role=roles.MANAGER))

    # when the manager simulates an answered call from the customer and a missed one from an unknown number
    _simulate(page, live_server, team="Service", scenario="answered", number="06 33134406", user="sanne")
    _simulate(page, live_server, team="Service", scenario="missed", number="06 12312312", user="sanne")

    # then the caller log counts them and shows each, linked
    expect(page.locator(".figure-total")).to_have_text("2")
    expect(page.locator(".figure-answered")).to_have_text("1")
    expect(page.locator(".figure-missed")).to_have_text("1")
    rows = page.locator("table.calls tbody tr")
    expect(rows).to_have_count(2)
    missed = page.locator("tr.call-missed")
    expect(missed).to_contain_text("Unknown number")
    expect(missed).to_contain_text("Call back")
    answered = page.locator("tr.call-ended")
    expect(answered).to_contain_text("Willem Jansen")
    expect(answered).to_contain_text("0:20")
    a11y("caller log")
    screenshot("caller-log")

    # "Log now" opens the log form for this call; "New customer" has the number in Phone
    call = Call.objects.get(state=Call.State.ENDED)
    answered.get_by_role("link", name="Log now").click()
    expect(page).to_have_url(
        re.compile(rf"/customers/{customer.pk}/log/\?call={call.pk}&channel=phone&direction=in&at=")
    )
    expect(page.locator("input[name=call]")).to_have_value(str(call.pk))
    page.go_back()
    page.locator("tr.call-missed").get_by_role("link", name="New customer").click()
    expect(page.locator("#id_phone")).to_have_value("+31612312312")

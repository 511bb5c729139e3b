"""Keyboard and focus in a real browser (issue 9, items 11 and 12): the keyboard map, focus after a failed
save, the due quick picks, and "select all" on the team board."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcare import roles
from contacts.models import ContactMoment

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_question_mark_opens_the_keyboard_map_and_escape_closes_it(login, page, live_server, a11y, screenshot):
    anna = UserFactory(username="anna")
    customer = CustomerFactory(full_name="Willem Hoekstra")
    login(anna)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}log/")
    dialog = page.get_by_role("dialog", name="Keyboard map")

    expect(page.locator("#id_topic")).to_be_focused()  # autofocus, before any key is pressed
    page.wait_for_load_state("load")  # app.js (deferred) listens from here on
    page.keyboard.press("?")  # the cursor is on Topic, a list: "?" is left to it

    page.wait_for_timeout(300)  # the dialog's fade-in, were it opening
    expect(dialog).to_be_hidden()
    page.locator("main h1").click()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    for shortcut in ("/", "Enter", "Esc", "Alt+L", "Alt+P", "Ctrl+Enter", "?", "↓", "↑"):
        expect(dialog.locator("kbd", has_text=shortcut).first).to_be_visible()
    expect(dialog).to_contain_text("Tomorrow morning, 09:00")
    expect(dialog).to_contain_text("morgen 10:00")
    screenshot("keyboard-map", full_page=False)
    a11y("keyboard map")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # in a text field "?" is just a question mark
    page.locator("#id_summary").focus()
    page.keyboard.type("Kan ik vandaag bellen?")
    expect(dialog).to_be_hidden()
    expect(page.locator("#id_summary")).to_have_value("Kan ik vandaag bellen?")


def test_after_a_failed_save_the_cursor_is_on_the_first_field_in_error(login, page, live_server):
    anna = UserFactory(username="anna")
    customer = CustomerFactory(full_name="Willem Hoekstra")
    login(anna)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}log/")
    expect(page.locator("#id_topic")).to_be_focused()  # the autofocus has landed: keys go to the form

    page.keyboard.press("Control+Enter")  # nothing typed: the summary is missing

    page.wait_for_load_state()
    expect(page.locator("#id_summary")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#id_summary")).to_be_focused()

    # a summary now, and a promise whose due time is no date: the cursor goes to that field
    page.keyboard.type("Belt over de monteur")
    page.keyboard.press("Alt+p")
    page.keyboard.type("Bel terug")
    page.keyboard.press("Tab")
    page.keyboard.type("na de vakantie")
    page.keyboard.press("Control+Enter")

    page.wait_for_url("**/log/")
    expect(page.locator("#id_promises-0-due_at")).to_be_focused()
    expect(page.locator(".promise-form")).to_contain_text("Type a date such as")
    assert not ContactMoment.objects.exists()


def test_quick_picks_fill_the_due_field_by_click_and_by_arrow(login, page, live_server, screenshot):
    anna = UserFactory(username="anna")
    customer = CustomerFactory(full_name="Willem Hoekstra")
    login(anna)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}log/")
    page.keyboard.press("Alt+p")
    due = page.locator("#id_promises-0-due_at")
    picks = page.locator(".promise-form [data-due-pick]")
    expect(picks).to_have_count(4)
    tomorrow = picks.nth(1).get_attribute("data-due-pick")
    assert tomorrow == f"{timezone.localdate() + timedelta(days=1):%d-%m-%Y} 09:00"

    page.locator(".promise-form button", has_text="In 3 business days").click()
    expect(due).to_have_value(picks.nth(2).get_attribute("data-due-pick"))
    expect(due).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(due).to_have_value(tomorrow)
    expect(picks.nth(1)).to_have_attribute("aria-pressed", "true")
    due.fill("")
    page.keyboard.press("ArrowDown")
    expect(due).to_have_value(picks.nth(0).get_attribute("data-due-pick"))
    screenshot("log-contact-quick-picks")


def test_select_all_ticks_every_row_of_its_list_on_the_team_board(login, page, live_server, a11y):
    lead = UserFactory(username="lotte", first_name="Lotte", role=roles.TEAM_LEAD)
    anna = UserFactory(username="anna", first_name="Anna")
    team = TeamFactory(name="Noord", lead=lead, members=[lead, anna])
    late = [
        CheckInFactory(
            origin=ContactMomentFactory(team=team, logged_by=anna),
            assignee=anna,
            team=team,
            due_date=timezone.localdate() - timedelta(days=days),
        )
        for days in (2, 5, 9)
    ]
    login(lead)
    page.goto(f"{live_server.url}/teams/{team.pk}/")
    select_all = page.get_by_label("Select all on this page").first
    rows = page.locator("input[name=checkins]")
    expect(rows).to_have_count(len(late))

    select_all.focus()
    page.keyboard.press("Space")  # a real checkbox: the keyboard works

    for index in range(len(late)):
        expect(rows.nth(index)).to_be_checked()
    rows.nth(1).uncheck()
    assert page.evaluate("document.getElementById('select-all-checkin').indeterminate")
    expect(select_all).not_to_be_checked()
    rows.nth(1).check()
    expect(select_all).to_be_checked()
    a11y("team board with select all")

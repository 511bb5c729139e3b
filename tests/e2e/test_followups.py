"""Journeys of the follow-up engine in a real browser: promises, check-ins, My day."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override
from playwright.sync_api import expect

from contactcare.templatetags.contactcare import day as shown_day
from followups.models import CheckIn, Promise
from followups.planning import Offset, due_date

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_a_call_with_a_promise_and_see_the_planned_check_ins(login, page, default_policy, screenshot):
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    TeamFactory(members=[anna])
    customer = CustomerFactory(full_name="Sanne Kok")
    login(anna)

    page.goto(page.url.split("/my-day")[0] + customer.get_absolute_url())
    page.keyboard.press("Alt+l")
    page.wait_for_url("**/log/")
    expect(page.locator("#id_topic")).to_be_focused()  # the form is ready for the keyboard
    page.keyboard.press("Tab")
    page.keyboard.type("Storing gemeld, monteur komt langs")
    page.keyboard.press("Alt+p")  # adds a promise row and puts the cursor in it
    expect(page.locator("#id_promises-0-description")).to_be_focused()
    page.keyboard.type("Bel terug met de datum van de monteur")
    due = (timezone.localtime() + timedelta(days=2)).replace(hour=17, minute=0)
    page.fill("#id_promises-0-due_at", due.strftime("%Y-%m-%dT%H:%M"))
    screenshot("log-contact-with-promise")
    page.keyboard.press("Control+Enter")

    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".alert-success")).to_contain_text("Check-ins planned")
    panel = page.locator("#customer-followups")
    expect(panel).to_contain_text("Bel terug met de datum van de monteur")
    start = timezone.localdate()
    with override("en"):
        for offset in (Offset(3, "d"), Offset(6, "w")):
            expected = due_date(start, offset, business_days=True, country="NL")
            expect(panel.locator(".planned-checkins")).to_contain_text(shown_day(expected))
    screenshot("customer-page-with-followups")
    promise = Promise.objects.get()
    assert (promise.owner, promise.due_at) == (anna, due.replace(second=0, microsecond=0))
    # day 3, week 6, and keeping the customer informed about the promise (issue 13)
    assert sorted(CheckIn.objects.filter(customer=customer, status="open").values_list("kind", flat=True)) == [
        "3d",
        "6w",
        "update",
    ]


def test_call_now_from_my_day_completes_the_check_in(login, page, screenshot):
    anna = UserFactory(username="anna", first_name="Anna")
    team = TeamFactory(members=[anna])
    overdue = CheckInFactory(
        origin=ContactMomentFactory(logged_by=anna, team=team, customer=CustomerFactory(full_name="Kees Bos")),
        assignee=anna,
        due_date=timezone.localdate() - timedelta(days=2),
    )
    skip_me = CheckInFactory(
        origin=ContactMomentFactory(logged_by=anna, team=team, customer=CustomerFactory(full_name="Eva Maas")),
        assignee=anna,
        due_date=timezone.localdate(),
    )
    broken = PromiseFactory(moment=overdue.origin, owner=anna, due_at=timezone.now() - timedelta(hours=1))
    login(anna)

    # My day is the start page: overdue, due today, broken promise
    expect(page.locator("#section-overdue")).to_contain_text("Kees Bos")
    expect(page.locator("#section-overdue")).to_contain_text("overdue 2 days")
    expect(page.locator("#section-broken")).to_contain_text(broken.description)
    screenshot("my-day")

    # keep the promise with one click
    page.locator(f"#promise-{broken.pk} button", has_text="Kept").click()
    expect(page.locator(f"#promise-{broken.pk}")).to_contain_text("kept late")

    # skip one with a reason, inline
    page.locator(f"#checkin-{skip_me.pk} a", has_text="Skip").click()
    page.locator(f"#checkin-{skip_me.pk} input[name=reason]").fill("Klant is op vakantie")
    page.locator(f"#checkin-{skip_me.pk} button[type=submit]").click()
    expect(page.locator(f"#checkin-{skip_me.pk}")).to_contain_text("Skipped")

    # "Call now": the log form comes prefilled; saving completes the check-in
    page.locator(f"#checkin-{overdue.pk} a", has_text="Call now").click()
    page.wait_for_url("**/log/?checkin=*")
    expect(page.locator("#id_direction")).to_have_value("out")
    expect(page.locator(".alert-info")).to_contain_text("completes the day 3 check-in")
    page.fill("#id_summary", "Nagebeld: alles werkt weer")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{overdue.customer.get_absolute_url()}")
    expect(page.locator(".alert-success")).to_contain_text("Check-in day 3 done")

    page.goto(page.url.split("/customers/")[0] + "/my-day/")
    expect(page.locator("#section-overdue")).not_to_contain_text("Kees Bos")
    overdue.refresh_from_db()
    skip_me.refresh_from_db()
    assert (overdue.status, skip_me.status, skip_me.skip_reason) == ("done", "skipped", "Klant is op vakantie")

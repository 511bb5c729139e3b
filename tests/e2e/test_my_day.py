"""My day in a real browser: the badges follow Skip, Reschedule and Kept without a reload."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followups.planning import next_business_day

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_badges_count_down_as_the_day_is_worked(login, page, screenshot, a11y):
    anna = UserFactory(username="anna", first_name="Anna")
    team = TeamFactory(members=[anna])
    today = timezone.localdate()

    def checkin(name, due):
        moment = ContactMomentFactory(logged_by=anna, team=team, customer=CustomerFactory(full_name=name))
        return CheckInFactory(origin=moment, assignee=anna, due_date=due)

    skip_me = checkin("Kees Bos", today - timedelta(days=2))
    checkin("Eva Maas", today - timedelta(days=1))
    move_me = checkin("Piet Smit", today)
    broken = PromiseFactory(
        moment=ContactMomentFactory(logged_by=anna, team=team), owner=anna, due_at=timezone.now() - timedelta(hours=1)
    )
    login(anna)
    expect(page.locator("h1")).to_contain_text("My day")  # the start page of staff
    top = page.locator("#my-day-count")
    expect(page.locator("#count-overdue")).to_have_text("2")
    expect(page.locator("#count-today")).to_have_text("1")
    expect(page.locator("#count-broken")).to_have_text("1")
    expect(top).to_have_text("4")

    # Skip: the overdue section and the top bar count down, the row stays and says what happened
    page.locator(f"#checkin-{skip_me.pk} a", has_text="Skip").click()
    page.fill(f"#checkin-{skip_me.pk} [name=reason]", "Klant wil niet gebeld worden")
    page.locator(f"#checkin-{skip_me.pk} button[type=submit]").click()
    expect(page.locator(f"#checkin-{skip_me.pk}")).to_contain_text("Skipped")
    expect(page.locator("#count-overdue")).to_have_text("1")
    expect(top).to_have_text("3")

    # Reschedule past today: it leaves the due-today count
    later = next_business_day(today + timedelta(days=7), "NL")
    page.locator(f"#checkin-{move_me.pk} a", has_text="Reschedule").click()
    page.fill(f"#checkin-{move_me.pk} [name=due_date]", later.isoformat())
    page.fill(f"#checkin-{move_me.pk} [name=reason]", "Klant is op vakantie")
    page.locator(f"#checkin-{move_me.pk} button[type=submit]").click()
    expect(page.locator("#count-today")).to_have_text("0")
    expect(top).to_have_text("2")

    # Kept: the broken promise leaves its count
    page.locator(f"#promise-{broken.pk} button", has_text="Kept").click()
    expect(page.locator(f"#promise-{broken.pk}")).to_contain_text("kept late")
    expect(page.locator("#count-broken")).to_have_text("0")
    expect(top).to_have_text("1")
    expect(top).to_have_attribute("aria-label", "1 item")
    screenshot("my-day-after-work")
    a11y("my day after skip, reschedule and kept")

    # a reload agrees with what the badges said
    page.reload()
    expect(page.locator("#count-overdue")).to_have_text("1")
    expect(page.locator("#count-today")).to_have_text("0")
    expect(top).to_have_text("1")


def test_show_more_brings_the_next_overdue_check_ins_in_place(login, page, a11y):
    # given more overdue check-ins than a section shows at first
    anna = UserFactory(username="anna", first_name="Anna")
    team = TeamFactory(members=[anna])
    late = timezone.localdate() - timedelta(days=4)
    for i in range(30):
        moment = ContactMomentFactory(logged_by=anna, team=team, customer=CustomerFactory(full_name=f"Klant {i:02d}"))
        CheckInFactory(origin=moment, assignee=anna, due_date=late)
    login(anna)
    section = page.locator("#section-overdue")
    expect(page.locator("#count-overdue")).to_have_text("30")
    expect(section.locator(".checkin-row")).to_have_count(25)
    address = page.url

    # when "Show more" is clicked, the last five join the list without a reload
    section.get_by_role("link", name="Show more").click()

    expect(section.locator(".checkin-row")).to_have_count(30)
    expect(section.locator(".checkin-row").last).to_contain_text("Klant 29")
    expect(section.get_by_role("link", name="Show more")).to_have_count(0)
    assert page.url == address
    a11y("my day after show more")

    # and the rows that came with it work like the others: Skip counts down
    last = section.locator(".checkin-row").last
    last.get_by_role("link", name="Skip").click()
    last.locator("[name=reason]").fill("Klant verhuisd")
    last.locator("button[type=submit]").click()
    expect(last).to_contain_text("Skipped")
    expect(page.locator("#count-overdue")).to_have_text("29")

"""The three journeys of ContactCare's users, in a real browser, with a real Celery worker on Redis.

1. Staff (in Dutch and in English): find a customer by name and by phone
   number, log a call with a promise, see the planned check-ins, complete a
   check-in from My day with "Call now".
2. Team lead: see the team's broken promise and overdue check-ins, reassign
   two in one go, see them move.
3. Manager: open the weekly report, switch team and week, download the XLSX:
   its numbers equal the page's.
Each main page is also checked with axe-core.
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from contactcare import roles
from contactcare.templatetags.contactcare import day as shown_day
from followups.models import CheckIn, Notification
from followups.planning import Offset, due_date
from reports.weeks import IsoWeek

from ..celery_utils import wait_for
from ..factories import (
    CheckInFactory,
    CheckInPolicyFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {
        "logged": "Contact logged.",
        "planned": "Check-ins planned",
        "call_now": "Call now",
        "done": "Check-in day 3 done",
    },
    "nl": {
        "logged": "Contact vastgelegd.",
        "planned": "Check-ins gepland",
        "call_now": "Nu bellen",
        "done": "Check-in dag 3 gedaan",
    },
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_staff_find_log_and_follow_up(language, login, page, live_server, redis_worker, a11y, screenshot):
    CheckInPolicyFactory()
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    bram = UserFactory(username="bram", first_name="Bram", last_name="Jansen", email="bram@example.com")
    team = TeamFactory(name="Team Noord", members=[anna, bram])
    customer = CustomerFactory(full_name="Johanna Hoekstra", preferred_address="mevrouw Hoekstra", phone="+31612345678")
    earlier = ContactMomentFactory(customer=CustomerFactory(full_name="Kees Bos"), logged_by=anna, team=team)
    overdue = CheckInFactory(origin=earlier, assignee=anna, due_date=timezone.localdate() - timedelta(days=3))
    text = TEXT[language]

    login(anna, language=language)
    a11y("my day")

    # Find the caller by part of the name, then by phone number in another spelling
    page.keyboard.press("/")
    page.keyboard.type("hoeks")
    expect(page.locator("#search-results a[data-hit]").first).to_contain_text("Johanna Hoekstra")
    a11y("search results")
    page.fill("#q", "")
    page.locator("#q").press_sequentially("06 1234 5678")
    expect(page.locator("#search-results a[data-hit]")).to_have_count(1)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".recognition")).to_contain_text("mevrouw Hoekstra")
    a11y("customer page")

    # Log the call with a promise made on Bram's behalf
    page.keyboard.press("Alt+l")
    page.wait_for_url("**/log/")
    expect(page.locator("#id_topic")).to_be_focused()  # the form is ready for the keyboard
    page.keyboard.press("Tab")
    page.keyboard.type("Factuur klopt niet; correctie aangevraagd")
    page.keyboard.press("Alt+p")
    page.keyboard.type("Stuur de gecorrigeerde factuur")
    promise_due = (timezone.localtime() + timedelta(days=1)).replace(hour=17, minute=0)
    page.fill("#id_promises-0-due_at", promise_due.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#id_promises-0-owner", str(bram.pk))
    a11y("log contact")
    screenshot(f"log-contact-{language}")
    page.focus("#id_promises-0-description")  # back in the form, as the user is
    page.keyboard.press("Control+Enter")

    # Back on the customer page: confirmation, the promise and the check-ins on the right days
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".alert-success")).to_contain_text(text["logged"])
    expect(page.locator(".alert-success")).to_contain_text(text["planned"])
    panel = page.locator("#customer-followups")
    expect(panel).to_contain_text("Stuur de gecorrigeerde factuur")
    with translation.override(language):
        for offset in (Offset(3, "d"), Offset(6, "w")):
            day = due_date(timezone.localdate(), offset, business_days=True, country="NL")
            expect(panel.locator(".planned-checkins")).to_contain_text(shown_day(day))
    screenshot(f"customer-page-{language}")

    # The worker tells Bram, by e-mail, that the promise is his
    sent = wait_for(lambda: Notification.objects.filter(recipient=bram, status="sent").first(), worker=redis_worker)
    assert "Johanna Hoekstra" in sent.subject
    assert "bram@example.com" in redis_worker.mails()

    # My day: "Call now" on the overdue check-in completes it
    page.goto(f"{live_server.url}/my-day/")
    row = page.locator(f"#checkin-{overdue.pk}")
    screenshot(f"my-day-{language}")
    row.get_by_role("link", name=text["call_now"]).click()
    page.wait_for_url("**/log/?checkin=*")
    expect(page.locator("#id_direction")).to_have_value("out")
    page.fill("#id_summary", "Nagebeld: alles in orde")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{earlier.customer.get_absolute_url()}")
    expect(page.locator(".alert-success")).to_contain_text(text["done"])
    overdue.refresh_from_db()
    assert overdue.status == CheckIn.Status.DONE


def test_team_lead_reassigns_overdue_work(login, page, live_server, redis_worker, a11y, screenshot):
    lotte = UserFactory(
        username="lotte", first_name="Lotte", last_name="Smit", email="lotte@example.com", role=roles.TEAM_LEAD
    )
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    bram = UserFactory(username="bram", first_name="Bram", last_name="Jansen")
    team = TeamFactory(name="Team Noord", lead=lotte, members=[lotte, anna, bram])
    checkins = [
        CheckInFactory(
            origin=ContactMomentFactory(customer=CustomerFactory(full_name=name), logged_by=anna, team=team),
            assignee=anna,
            due_date=timezone.localdate() - timedelta(days=days),
        )
        for name, days in (("Iris Mulder", 9), ("Daan Smit", 4), ("Eva Maas", 1))
    ]
    promise = PromiseFactory(
        moment=ContactMomentFactory(customer=CustomerFactory(full_name="Noor Visser"), logged_by=anna, team=team),
        owner=anna,
        due_at=timezone.now() - timedelta(minutes=5),
        description="Bel terug over de storing",
    )

    # The worker's sweep notices the broken promise and tells the team lead
    wait_for(lambda: Notification.objects.filter(recipient=lotte, kind="promise_broken").exists(), worker=redis_worker)
    login(lotte)
    page.goto(f"{live_server.url}/teams/")
    page.wait_for_url(f"**/teams/{team.pk}/")
    expect(page.locator("#broken-title")).to_contain_text("1")
    expect(page.locator(".team-items").last).to_contain_text("Bel terug over de storing")
    expect(page.locator(".team-items").first.locator(".team-item")).to_have_count(3)
    a11y("team board")
    screenshot("team-board")

    # Tick the two oldest check-ins and give them to Bram
    page.check(f"#checkin-{checkins[0].pk}")
    page.check(f"#checkin-{checkins[1].pk}")
    page.select_option("#id_assignee", str(bram.pk))
    page.get_by_role("button", name="Reassign…").click()
    expect(page.locator(".confirm-items li")).to_have_count(2)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("2 check-ins and 0 promises now go to Bram Jansen")

    # They moved: Bram's row now shows them
    page.select_option("#f-person", str(bram.pk))
    page.wait_for_url("**person=*")
    expect(page.locator(".team-items").first.locator(".team-item")).to_have_count(2)
    expect(page.locator(".team-items").first).to_contain_text("Iris Mulder")
    assert set(CheckIn.objects.filter(assignee=bram).values_list("pk", flat=True)) == {checkins[0].pk, checkins[1].pk}

    # The lead's notice is one for the team's broken promises of that run, linking to the board
    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator(".notifications")).to_contain_text("1 belofte van Team Noord is gebroken")
    a11y("notifications")
    notice = Notification.objects.get(recipient=lotte, kind="promise_broken")
    assert notice.link == reverse("followups:team-board", args=[team.pk])
    assert Notification.objects.filter(recipient=promise.owner, key=f"promise:{promise.pk}").exists()


def test_manager_reads_and_downloads_the_weekly_report(login, page, live_server, a11y, screenshot):
    maria = UserFactory(username="maria", first_name="Maria", last_name="van Dijk", role=roles.MANAGER)
    anna, chris = UserFactory(username="anna"), UserFactory(username="chris")
    north = TeamFactory(name="Team Noord", members=[anna])
    south = TeamFactory(name="Team Zuid", members=[chris])
    last_week = IsoWeek.last_complete(timezone.now())
    for i, (user, team) in enumerate([(anna, north)] * 5 + [(chris, south)] * 3):
        moment = ContactMomentFactory(
            customer=CustomerFactory(),
            logged_by=user,
            team=team,
            occurred_at=last_week.start + timedelta(hours=10 + i * 7),
            is_complaint=i == 2,
            fully_helped=i % 2 == 0,
            sentiment_start=2,
            sentiment_end=4 if i % 3 else 2,
        )
        PromiseFactory(moment=moment, due_at=moment.occurred_at + timedelta(days=1))

    page.goto(f"{live_server.url}/accounts/login/")
    a11y("login page")
    login(maria)  # managers land on the report: last week, all teams
    expect(page.locator("h1")).to_contain_text("All teams")
    expect(page.locator("#chart-channels")).to_be_visible()
    a11y("weekly report")
    screenshot("weekly-report")

    # Switch team, then week
    page.select_option("#r-team", str(north.pk))
    page.wait_for_url(f"**team={north.pk}*")
    expect(page.locator(".report-scope")).to_have_text("Team Noord")
    expect(page.locator('tr[data-figure="contacts"] td').first).to_have_attribute("data-value", "5")
    page.locator("a", has_text=last_week.previous().label).first.click()
    expect(page.locator(".figures thead th").nth(1)).to_have_text(last_week.previous().label)
    expect(page.locator('tr[data-figure="contacts"] td').first).to_have_attribute("data-value", "0")
    page.locator("a", has_text=last_week.label).first.click()
    expect(page.locator('tr[data-figure="contacts"] td').first).to_have_attribute("data-value", "5")

    # The XLSX holds the numbers the page shows
    shown = {
        row.get_attribute("data-figure"): row.locator("td").first.get_attribute("data-value")
        for row in page.locator("tr[data-figure]").all()
    }
    with page.expect_download() as download:
        page.locator("[data-download=xlsx]").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert book.sheetnames == ["Team Noord", "Definitions"]
    in_file = {row[4]: row[1] for row in book["Team Noord"].iter_rows(min_row=3, values_only=True)}
    as_numbers = {key: None if value in ("", None) else float(value) for key, value in shown.items()}
    assert {key: None if value is None else float(value) for key, value in in_file.items()} == as_numbers
    assert shown["contacts"] == "5" and shown["complaints"] == "1"

"""Losing touch in a real browser (issue 14): a team lead finds the list from the team board, in Dutch and
English, plans a check-in with one click, and the row then says it is planned; the page passes axe."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcare import roles
from followups.models import CheckIn

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {
        "link": "Losing touch",
        "plan": "Plan a check-in",
        "planned": "Planned: back in touch",
        "done": "is planned for Anna Smit",
        "promise": "Promise “Monteur inplannen” broken on",
    },
    "nl": {
        "link": "Contact verwatert",
        "plan": "Plan een check-in",
        "planned": "Gepland: weer in contact",
        "done": "gepland bij Anna Smit",
        "promise": "Belofte “Monteur inplannen” gebroken op",
    },
}


def _days_ago(days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days), time(hour)))


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_lead_plans_a_check_in_for_a_customer_losing_touch(login, page, live_server, a11y, screenshot, language):
    words = WORDS[language]
    anna = UserFactory(username="anna", first_name="Anna", last_name="Smit", role=roles.STAFF)
    bram = UserFactory(username="bram", first_name="Bram", last_name="Visser", role=roles.STAFF)
    lies = UserFactory(username="lies", first_name="Lies", last_name="de Boer", role=roles.TEAM_LEAD)
    noord = TeamFactory(name="Noord", members=[anna, bram], lead=lies)
    angry = CustomerFactory(full_name="Henk de Vries")
    ContactMomentFactory(
        customer=angry, team=noord, logged_by=anna, occurred_at=_days_ago(16, 10), sentiment_end=1, channel="email"
    )
    waiting = CustomerFactory(full_name="Fatima El Amrani")
    made = ContactMomentFactory(customer=waiting, team=noord, logged_by=bram, occurred_at=_days_ago(25, 11))
    PromiseFactory(moment=made, description="Monteur inplannen", due_at=_days_ago(18, 17))
    happy = CustomerFactory(full_name="Sophie Recent")
    ContactMomentFactory(customer=happy, team=noord, logged_by=anna, occurred_at=_days_ago(20, 9), sentiment_end=1)
    ContactMomentFactory(customer=happy, team=noord, logged_by=anna, occurred_at=_days_ago(2, 9), sentiment_end=5)

    # the lead finds the list from the team's board
    login(lies, language=language)
    page.goto(f"{live_server.url}/teams/")
    page.get_by_role("link", name=words["link"]).click()
    rows = page.locator("tr.losing-touch-row")
    expect(rows).to_have_count(2)
    expect(page.locator("table.losing-touch")).not_to_contain_text("Sophie Recent")
    expect(rows.filter(has_text="Fatima El Amrani")).to_contain_text(words["promise"])
    a11y(f"losing touch ({language})")

    # one click plans the check-in for Anna, who logged the negative contact
    rows.filter(has_text="Henk de Vries").get_by_role("button", name=words["plan"]).click()
    expect(page.locator(".alert-success")).to_contain_text(words["done"])
    expect(rows.filter(has_text="Henk de Vries")).to_contain_text(words["planned"])
    expect(rows.filter(has_text="Henk de Vries").get_by_role("button")).to_have_count(0)
    a11y(f"losing touch after planning ({language})")
    if language == "en":
        screenshot("losing-touch")  # docs/screenshots/losing-touch.png: one row planned, one with its button
    assert CheckIn.objects.get(customer=angry).assignee == anna

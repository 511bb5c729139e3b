"""Where it chafes in a real browser, in English and Dutch: the ranking, the trend chart with its topic picker
and table, a drill-down to the contacts behind a number; axe on both pages (issue 14)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcare import roles
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {"title": "Where it chafes", "all": "All teams", "too_few": "too few to rank", "repeat": "Repeat contacts"},
    "nl": {"title": "Waar schuurt het?", "all": "Alle teams", "too_few": "te weinig om te rangschikken",
           "repeat": "Herhaalcontacten"},
}  # fmt: skip


def _desk():
    """Last week: Facturen 12 inbound (6 repeats, 2 complaints), Reparatie 10 inbound (no repeats), 2 without a
    topic (too few to rank); a broken promise on a repair."""
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    north = TeamFactory(name="Team Noord", members=[anna])
    billing, repair = TopicFactory(name="Facturen"), TopicFactory(name="Reparatie")
    week = IsoWeek.last_complete(timezone.now())
    start = week.start + timedelta(hours=8)
    for n in range(6):  # six customers who called twice about their invoice
        customer = CustomerFactory()
        for k in range(2):
            ContactMomentFactory(
                customer=customer, logged_by=anna, team=north, topic=billing,
                occurred_at=start + timedelta(hours=n * 5 + k * 2), is_complaint=n < 2 and k == 1,
                sentiment_start=3, sentiment_end=2 if k else 3,
            )  # fmt: skip
    for n in range(10):
        moment = ContactMomentFactory(
            customer=CustomerFactory(), logged_by=anna, team=north, topic=repair,
            occurred_at=start + timedelta(hours=n * 7, minutes=30), channel="email" if n % 2 else "phone",
        )  # fmt: skip
        if n == 3:
            PromiseFactory(moment=moment, due_at=moment.occurred_at + timedelta(hours=4))
    for n in range(2):
        ContactMomentFactory(logged_by=anna, team=north, occurred_at=start + timedelta(days=2, hours=n))
    for back in range(1, 12):  # the eleven weeks before: a trend to look at
        when = start - timedelta(weeks=back)
        for n in range(3):
            customer = CustomerFactory()
            for k in range(2 if n < back % 3 else 1):
                ContactMomentFactory(
                    customer=customer, logged_by=anna, team=north, topic=billing, is_complaint=(back + n) % 4 == 0,
                    occurred_at=when + timedelta(hours=n * 3 + k),
                )  # fmt: skip
        ContactMomentFactory(logged_by=anna, team=north, topic=repair, occurred_at=when + timedelta(days=1))
    return UserFactory(username="maria", first_name="Maria", last_name="van Dijk", role=roles.MANAGER)


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_manager_sees_where_it_chafes_and_the_contacts_behind_it(
    language, login, page, live_server, a11y, screenshot
):
    text = TEXT[language]
    maria = _desk()

    page.set_viewport_size({"width": 1280, "height": 860})
    login(maria, language=language)
    page.locator("#reports-menu").click()  # the report menu in the top bar
    page.locator(".dropdown-menu").get_by_role("link", name=text["title"]).click()
    expect(page.locator("h1")).to_contain_text(text["title"])
    expect(page.locator("h1")).to_contain_text(text["all"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the top bar still fits
    page.select_option("#c-weeks", "1")  # last week alone
    expect(page.locator(".chafes-period")).to_contain_text(IsoWeek.last_complete(timezone.now()).label)

    topics = page.locator("#chafes-topics tbody tr")
    expect(topics).to_have_count(3)
    expect(topics.nth(0).locator("th")).to_have_text("Facturen")  # 6 of 12 inbound were repeats: 50 %
    expect(topics.nth(0).locator("td").first).to_have_text("1")
    expect(topics.nth(1).locator("th")).to_have_text("Reparatie")
    expect(topics.nth(2).locator(".too-few")).to_have_text(text["too_few"])
    expect(topics.nth(0).locator("[data-figure=repeat]")).to_contain_text("(6/12)")
    expect(topics.nth(1).locator("[data-figure=broken]")).to_have_text("1")

    # The trend: a chart per topic through the picker, and all numbers in a table
    expect(page.locator("#chafes-trend")).to_be_visible()
    page.locator(".chafes-trend details summary").click()
    expect(page.locator("#chafes-trend-table tbody tr")).to_have_count(3)
    a11y(f"where it chafes ({language})")
    screenshot(f"where-it-chafes-{language}")
    page.select_option("#trend-topic", label="Reparatie")
    a11y(f"where it chafes, another topic's trend ({language})")

    # The contacts behind Facturen's repeat-contact rate
    topics.nth(0).locator("[data-figure=repeat] a").click()
    expect(page.locator("h1")).to_contain_text(text["repeat"])
    expect(page.locator("h1")).to_contain_text("Facturen")
    expect(page.locator("table.chafe-contacts tbody tr")).to_have_count(6)
    a11y(f"where it chafes, contacts ({language})")

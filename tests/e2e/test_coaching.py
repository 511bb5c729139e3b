"""Issue 14 in a real browser, in Dutch and English: a lead's coaching cards, the "Say you see it" page with its
one-click thank-you, and the note on the person's My day, dismissed there."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import ThankYouNote
from contactcare import roles
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {"cards": "Coaching cards", "say": "Say you see it", "thank": "Thank Anna de Vries", "sent": "is sent",
           "thanked": "Sem de Leider thanked you", "seen": "Seen, thank you", "lift": "Sentiment lift",
           "my_card": "My card"},
    "nl": {"cards": "Coachingkaarten", "say": "Zeg dat je het ziet", "thank": "Bedank Anna de Vries",
           "sent": "is verstuurd", "thanked": "Sem de Leider bedankt je", "seen": "Gezien, dank je",
           "lift": "Stemmingswinst", "my_card": "Mijn kaart"},
}  # fmt: skip


@pytest.fixture
def desk(db):
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    bram = UserFactory(username="bram", first_name="Bram", last_name="Bakker")
    chris = UserFactory(username="chris", first_name="Chris", last_name="Jansen")
    sem = UserFactory(username="sem", first_name="Sem", last_name="de Leider", role=roles.TEAM_LEAD)
    noord = TeamFactory(name="Team Noord", members=[anna, bram, chris], lead=sem)
    monday = IsoWeek.last_complete(timezone.now()).start
    for n, (user, start, end, compliment) in enumerate(
        [(anna, 2, 4, True), (anna, 3, 4, False), (bram, 4, 4, False), (bram, 1, 5, False), (chris, 3, 2, False)]
    ):
        moment = ContactMomentFactory(
            customer=CustomerFactory(full_name=f"Klant {n}"),
            logged_by=user,
            team=noord,
            occurred_at=monday + timedelta(days=n, hours=10),
            sentiment_start=start,
            sentiment_end=end,
            fully_helped=n % 2 == 0,
            is_compliment=compliment,
        )
        PromiseFactory(moment=moment, due_at=monday + timedelta(days=n, hours=16))
    return {"anna": anna, "sem": sem, "noord": noord}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_lead_sees_the_cards_and_thanks_anna_who_sees_it_on_my_day(
    desk, login, page, live_server, a11y, screenshot, language
):
    words = WORDS[language]
    login(desk["sem"], language=language)
    page.goto(f"{live_server.url}/teams/{desk['noord'].pk}/")  # the lead's team page links to the cards
    page.get_by_role("link", name=words["cards"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(words["cards"])
    cards = page.locator(".coaching-card")
    expect(cards).to_have_count(3)
    expect(cards.nth(0)).to_contain_text("Anna de Vries")  # alphabetical
    expect(cards.nth(2)).to_contain_text("Chris Jansen")
    expect(cards.nth(0).locator("tr[data-figure=sentiment_lift]")).to_contain_text(words["lift"])
    a11y(f"coaching cards ({language})")
    screenshot(f"coaching-cards-{language}")

    page.get_by_role("link", name=words["say"]).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(words["say"])
    expect(page.locator("#person-" + str(desk["anna"].pk))).to_contain_text("1")
    a11y(f"say you see it ({language})")
    screenshot(f"say-you-see-it-{language}")
    page.get_by_role("button", name=words["thank"]).click()
    expect(page.locator(".alert-success")).to_contain_text(words["sent"])
    assert ThankYouNote.objects.filter(recipient=desk["anna"]).count() == 1

    page.context.clear_cookies()
    login(desk["anna"], language=language)
    page.goto(f"{live_server.url}/my-day/")
    note = page.locator(".thank-you-note")
    expect(note).to_contain_text(words["thanked"])
    a11y(f"my day with a thank-you note ({language})")
    note.get_by_role("button", name=words["seen"]).click()
    expect(note).to_have_count(0)
    assert ThankYouNote.objects.get().seen_at is not None

    # Her own card, from My day, beside the team's median; a figure opens the contacts behind it
    page.get_by_role("link", name=words["my_card"]).click()
    card = page.locator(".coaching-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Anna de Vries")
    a11y(f"my card ({language})")
    card.locator("tr[data-figure=compliments] td[data-weeks='4'] a").click()
    expect(page.locator(".card-items tbody tr")).to_have_count(1)
    a11y(f"the contacts behind a figure ({language})")

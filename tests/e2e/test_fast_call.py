"""The goal for a call (issue 9): a known customer, one promise, at most 40 keys besides the text.

The flow lives in `fast_call` so that `bench/call.py` times exactly what this test counts.
"""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import ContactMoment
from followups.models import Promise

from ..factories import CustomerFactory, TeamFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

KEY_BUDGET = 40
SUMMARY = "Belt over de monteur; afspraak bevestigd voor donderdag"
PROMISE = "Bel terug met de tijd van de monteur"


class Keys:
    """The keyboard, counting every key that is not the text of the call itself."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(key)
            self.count += 1

    def choose(self, letters: str) -> None:
        """Letters typed into a list to choose an option: keys, not text."""
        for letter in letters:
            self.press(letter)

    def text(self, words: str) -> None:
        """What the user would type on paper too: not counted."""
        self.page.keyboard.type(words)


def fast_call(page, *, search: str, customer_name: str, topic_letters: str) -> int:
    """From any page: find the caller, log the call with one promise due tomorrow morning. Returns the keys used."""
    keys = Keys(page)
    keys.press("/")  # to the search bar
    keys.text(search)  # part of the name, as a practised user types it
    expect(page.locator("#search-results a[data-hit]").first).to_contain_text(customer_name)
    keys.press("Enter")  # the best hit: the customer page
    page.wait_for_url("**/customers/*/")
    keys.press("Alt+l")  # log a contact; the cursor is on Topic
    page.wait_for_url("**/log/")
    expect(page.locator("#id_topic")).to_be_focused()
    keys.choose(topic_letters)
    keys.press("Tab")  # to the summary
    keys.text(SUMMARY)
    keys.press("Alt+p")  # a promise; the cursor is in "What was promised"
    expect(page.locator("#id_promises-0-description")).to_be_focused()
    keys.text(PROMISE)
    keys.press("Tab")  # to "Due"
    keys.press("ArrowDown", times=2)  # quick picks: later today, tomorrow morning
    keys.press("Control+Enter")  # save
    page.wait_for_url("**/customers/*/")
    expect(page.locator(".alert-success")).to_contain_text("Contact logged")
    return keys.count


def test_a_call_with_one_promise_takes_at_most_40_keys_besides_the_text(login, page):
    anna = UserFactory(username="anna", first_name="Anna")
    team = TeamFactory(members=[anna])
    topic = TopicFactory(name="Storing")
    TopicFactory(name="Factuur")
    customer = CustomerFactory(full_name="Willem Hoekstra")
    login(anna)  # on My day, the start page

    used = fast_call(page, search="hoek", customer_name="Willem Hoekstra", topic_letters="st")

    assert used <= KEY_BUDGET, f"{used} keys besides the text"
    moment = ContactMoment.objects.get(customer=customer)
    assert (moment.channel, moment.direction, moment.topic, moment.team) == ("phone", "in", topic, team)
    assert (moment.summary, moment.logged_by) == (SUMMARY, anna)
    promise = Promise.objects.get(moment=moment)
    tomorrow_morning = datetime.combine(timezone.localdate() + timedelta(days=1), time(9, 0))
    assert (promise.description, promise.owner) == (PROMISE, anna)
    assert timezone.localtime(promise.due_at).replace(tzinfo=None) == tomorrow_morning

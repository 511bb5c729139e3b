"""The layout holds at the widths desks use: no sideways scrolling, the user menu in view, long words wrapped."""

import pytest
from playwright.sync_api import expect

from contactcare import roles

from ..factories import ContactMomentFactory, CustomerDetailFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A lead or manager with a long name: the user menu is the last thing in the top bar.
LONG_NAMES = {"first_name": "Wilhelmina", "last_name": "van der Heijden-Bos"}


def assert_fits(page):
    """No horizontal scroll; the user menu's button lies wholly inside the viewport."""
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    menu = page.get_by_role("button", name="Wilhelmina van der Heijden-Bos").bounding_box()
    assert menu is not None, "the user menu is not shown"
    assert menu["x"] >= 0
    assert menu["x"] + menu["width"] <= width


@pytest.mark.parametrize("width", [1280, 1440])
@pytest.mark.parametrize("role", [roles.TEAM_LEAD, roles.MANAGER])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_top_bar_fits_for_leads_and_managers(language, role, width, login, page, live_server):
    # given the lead of a team, or a manager, with a long name
    user = UserFactory(username="wilhelmina", role=role, **LONG_NAMES)
    TeamFactory(name="Klantenservice Noord", lead=user, members=[user])
    page.set_viewport_size({"width": width, "height": 860})

    # when they open the start page and My day
    login(user, language=language)
    assert_fits(page)
    page.goto(f"{live_server.url}/my-day/")

    # then nothing scrolls sideways and the user menu is in view
    assert_fits(page)


def test_a_200_character_word_in_a_detail_wraps_and_keeps_its_buttons_on_screen(login, page, live_server, screenshot):
    # given details that are one very long word, pinned and not, and a contact summary like it
    user = UserFactory(username="lead", role=roles.TEAM_LEAD, **LONG_NAMES)
    customer = CustomerFactory(full_name="Anna " + "Achternaam" * 12)
    CustomerDetailFactory(customer=customer, text="x" * 200)
    CustomerDetailFactory(customer=customer, text="p" * 200, is_pinned=True)
    ContactMomentFactory(customer=customer, logged_by=user, summary="s" * 400)

    # when a lead opens the customer at 1280 px
    login(user)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")

    # then the page does not scroll sideways, and Pin and Remove stay on screen
    assert_fits(page)
    width = page.evaluate("window.innerWidth")
    buttons = page.locator("#details li").get_by_role("button")
    assert sorted(buttons.all_inner_texts()) == ["Pin", "Remove", "Remove", "Unpin"]
    for button in buttons.all():
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width, f"{button.inner_text()} is off screen"
    screenshot("customer-long-detail")

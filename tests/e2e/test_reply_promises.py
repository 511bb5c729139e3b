"""Issue 13 in a real browser: the reply-by sentence on the log form, and keep-informed check-ins on My day."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcare import roles
from followups import services
from followups.models import CheckIn, CheckInPolicy, Promise

from ..factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_context_args(browser_context_args):
    # The Copy button writes to the clipboard; the test reads it back.
    return {**browser_context_args, "permissions": ["clipboard-read", "clipboard-write"]}


def test_the_log_form_says_by_when_the_customer_hears_from_us_and_copies_it(login, page, live_server, screenshot, a11y):
    # given a desk that works its e-mail, and a Dutch-speaking customer
    sanne = UserFactory(username="sanne", first_name="Sanne", last_name="Staff")
    TeamFactory(name="Service", members=[sanne])
    customer = CustomerFactory(full_name="Willem Jansen", language="nl")
    login(sanne)

    # when Sanne opens the log form: a phone call by default owes no reply
    page.goto(f"{live_server.url}/customers/{customer.pk}/log/")
    reply_by = page.locator("#reply-by")
    expect(reply_by.locator(".reply-sentence")).to_have_count(0)

    # then choosing E-mail shows the sentence for the acknowledgement, in Dutch, at once
    page.select_option("#id_channel", "email")
    sentence = reply_by.locator(".reply-sentence")
    expect(sentence).to_contain_text("U hoort uiterlijk")
    expect(reply_by).to_contain_text("This contact owes a reply")
    # our own e-mail owes nothing: "switch" makes it outbound, and back
    page.get_by_role("button", name="switch").click()
    expect(reply_by.locator(".reply-sentence")).to_have_count(0)
    page.get_by_role("button", name="switch").click()
    expect(sentence).to_contain_text("van ons.")
    shown = sentence.inner_text()

    # Copy puts the sentence on the clipboard
    reply_by.get_by_role("button", name="Copy").click()
    expect(reply_by.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == shown
    a11y("the log form with a reply-by sentence")
    page.select_option("#id_topic", index=0)
    page.fill("#id_summary", "Vraagt per mail naar de status van zijn aanvraag")
    screenshot("reply-by-log-form")

    # saving shows it again, with its own Copy button, and the promise is on the customer's page
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    saved = page.locator(".messages .reply-by-box")
    expect(saved).to_contain_text("Tell the customer in the acknowledgement:")
    expect(saved.locator(".reply-sentence")).to_have_text(shown)
    promise = Promise.objects.get(kind=Promise.Kind.REPLY, customer=customer)
    expect(page.locator(f"#promise-{promise.pk}")).to_contain_text("Reply by")
    screenshot("reply-by-saved")

    # an outbound e-mail to him keeps it
    page.goto(f"{live_server.url}/customers/{customer.pk}/log/?direction=out&channel=email")
    page.fill("#id_summary", "Status van de aanvraag gemaild")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    promise.refresh_from_db()
    assert promise.status == Promise.Status.KEPT


def test_keep_informed_check_ins_stop_when_the_promise_is_kept(login, page, live_server, screenshot, a11y):
    # given a desk that plans no day-3 or week-6 check-ins (only the keep-informed ones are about promises),
    # a promise made six days ago, one update since (four days ago), and no update after that
    CheckInPolicy.objects.update(is_active=False)
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    team = TeamFactory(name="Service", members=[anna])
    customer = CustomerFactory(full_name="Fatima El Amrani", language="nl")
    now = timezone.now()
    services.contact_log(
        customer=customer, actor=anna, occurred_at=now - timedelta(days=6), channel="phone", direction="in",
        summary="Wasmachine lekt", team=team,
        promises=[{"description": "Monteur inplannen en datum doorgeven", "owner": anna,
                   "due_at": now + timedelta(days=10)}],
    )  # fmt: skip
    services.contact_log(
        customer=customer, actor=anna, occurred_at=now - timedelta(days=4), channel="email", direction="out",
        summary="Nog geen datum van de monteur", team=team,
    )  # fmt: skip
    promise = Promise.objects.get(customer=customer, kind=Promise.Kind.PROMISE)
    checkin = CheckIn.objects.open().get(promise=promise)
    login(anna)

    # when Anna opens My day, the check-in says what was promised, when, and the updates so far
    page.goto(f"{live_server.url}/my-day/")
    row = page.locator(f"#checkin-{checkin.pk}")
    expect(row).to_contain_text("keep informed")
    expect(row).to_contain_text("Monteur inplannen en datum doorgeven")
    expect(row).to_contain_text("updates to the customer:")
    expect(row).to_contain_text("(E-mail)")
    a11y("my day with a keep-informed check-in")
    screenshot("keep-informed-my-day")

    # the customer page says when the customer last heard from us
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    panel = page.locator("#customer-followups")
    expect(panel.locator(f"#promise-{promise.pk}")).to_contain_text("last update to the customer: 4 days ago")
    screenshot("keep-informed-customer")

    # Call now: the call is the update, and the next one is planned three business days on
    page.goto(f"{live_server.url}/my-day/")
    row.get_by_role("link", name="Call now").click()
    page.fill("#id_summary", "Monteur komt volgende week; datum volgt")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{customer.get_absolute_url()}")
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.DONE
    expect(panel.locator(f"#promise-{promise.pk}")).to_contain_text("last update to the customer: today")
    expect(panel.locator(".planned-checkins")).to_contain_text("keep informed")

    # Kept: the promise is kept, and its customer needs no more updates about it
    panel.locator(f"#promise-{promise.pk} button", has_text="Kept").click()
    expect(panel.locator(f"#promise-{promise.pk}")).to_contain_text("kept")
    page.reload()
    expect(page.locator("#customer-followups")).to_contain_text("No check-ins planned.")
    assert not CheckIn.objects.open().filter(promise=promise).exists()


def test_a_manager_sets_the_reply_terms(login, page, live_server, screenshot, a11y):
    maria = UserFactory(username="maria", first_name="Maria", last_name="Manager", role=roles.MANAGER)
    login(maria)

    page.goto(f"{live_server.url}/")
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Reply terms and opening hours").click()
    expect(page.locator("#id_reply_email")).to_have_value("1d")
    a11y("the desk settings")
    screenshot("reply-terms-settings")
    page.fill("#id_reply_letter", "3d")
    page.fill("#id_opening_hours", "17:00-09:00")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".invalid-feedback")).to_contain_text("Write the opening hours as 09:00-17:00")
    page.fill("#id_opening_hours", "08:30-17:00")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("Desk settings saved.")
    expect(page.locator("#id_reply_letter")).to_have_value("3d")

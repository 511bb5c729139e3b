"""Issue 13 in a real browser: a customer handed over (and passed on twice) until someone accepts, a handover
nobody accepts reaching the team lead, and a "no" to "fully helped?" that ends with a promise."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcare import roles
from followups import handovers, sweeps
from followups.models import Handover, Promise

from ..factories import PASSWORD, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
NOTE = "Wil haar geld terug voor factuur 2207: dubbel afgeschreven. Bankafschrift samen bekeken, klopt."


@pytest.fixture
def desk(db):
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    bram = UserFactory(username="bram", first_name="Bram", last_name="Bakker")
    chris = UserFactory(username="chris", first_name="Chris", last_name="Jansen")
    dewi = UserFactory(username="dewi", first_name="Dewi", last_name="Smit")
    sem = UserFactory(username="sem", first_name="Sem", last_name="de Leider", role=roles.TEAM_LEAD)
    noord = TeamFactory(name="Team Noord", members=[anna, bram])
    zuid = TeamFactory(name="Team Zuid", members=[chris, dewi], lead=sem)
    customer = CustomerFactory(full_name="Fenna Bakker")
    promise = PromiseFactory(
        moment=ContactMomentFactory(customer=customer, logged_by=anna, team=noord),
        owner=anna,
        description="Geld terugstorten",
    )
    return {"anna": anna, "bram": bram, "chris": chris, "dewi": dewi, "sem": sem, "noord": noord, "zuid": zuid} | {
        "customer": customer,
        "promise": promise,
    }


def _as(page, login, user):
    page.context.clear_cookies()
    login(user)


def test_a_customer_handed_over_passed_on_twice_and_accepted(desk, login, page, live_server, a11y, screenshot):
    customer = desk["customer"]

    # Anna hands Fenna over to Team Zuid from the customer page, saying what she needs and what was tried
    login(desk["anna"])
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    page.get_by_role("link", name="Hand over…").click()
    page.get_by_label("Hand over to").select_option(label="Team Zuid")
    page.get_by_label("Note for your colleague").fill(NOTE)
    a11y("hand over form")
    page.get_by_role("button", name="Hand over").click()
    expect(page.locator(".alert-success")).to_contain_text("Fenna Bakker is handed over to Team Zuid")
    expect(page.locator(".handover-chains")).to_contain_text("Anna de Vries → Team Zuid:")
    expect(page.locator(".handover-chains")).to_contain_text("waiting since")
    first = Handover.objects.get()

    # Chris sees it at the top of My day, with the note, and passes it on to Team Noord (refunds are theirs)
    _as(page, login, desk["chris"])
    row = page.locator(f"#handover-{first.pk}")
    expect(row).to_contain_text("Fenna Bakker")
    expect(row).to_contain_text(NOTE)
    expect(row).to_contain_text("Anna de Vries → Team Zuid")
    a11y("my day with a handover")
    screenshot("handover-my-day")
    row.get_by_role("link", name="Pass on…").click()
    row.get_by_label("Hand over to").select_option(label="Team Noord")
    row.get_by_label("Note for your colleague").fill("Terugbetalen doet Noord; het bedrag is € 42,50.")
    row.get_by_role("button", name="Pass on").click()
    expect(row).to_contain_text("passed on by Chris Jansen")
    second = Handover.objects.get(previous=first)

    # Bram (Team Noord) passes it on to Dewi, who has the refund rights
    _as(page, login, desk["bram"])
    row = page.locator(f"#handover-{second.pk}")
    expect(row).to_contain_text("Terugbetalen doet Noord")
    row.get_by_role("link", name="Pass on…").click()
    row.get_by_label("Hand over to").select_option(label="Dewi Smit")
    row.get_by_label("Note for your colleague").fill("Dewi heeft de rechten voor terugbetalingen.")
    row.get_by_role("button", name="Pass on").click()
    expect(row).to_contain_text("passed on by Bram Bakker")
    third = Handover.objects.get(previous=second)

    # Dewi accepts, taking the open promise: the row says so and the section's number drops to 0
    _as(page, login, desk["dewi"])
    row = page.locator(f"#handover-{third.pk}")
    expect(row).to_contain_text("Bram Bakker → you")
    row.get_by_role("link", name="Accept…").click()
    expect(row.get_by_label("Geld terugstorten", exact=False)).to_be_checked()
    row.get_by_role("button", name="Accept").click()
    expect(row).to_contain_text("accepted by Dewi Smit")
    expect(page.locator("#count-handovers")).to_have_text("0")
    assert Promise.objects.get(pk=desk["promise"].pk).owner == desk["dewi"]

    # The customer page tells the whole chain
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    chain = page.locator(".handover-chains")
    expect(chain).to_contain_text("Anna de Vries → Team Zuid (Chris Jansen):")
    expect(chain).to_contain_text("Chris Jansen → Team Noord (Bram Bakker):")
    expect(chain).to_contain_text("Bram Bakker → Dewi Smit:")
    expect(chain).to_contain_text("accepted")
    a11y("customer page with a handover chain")
    screenshot("handover-chain")
    assert [h.status for h in Handover.objects.order_by("created_at")] == ["passed_on", "passed_on", "accepted"]


def test_a_handover_nobody_accepts_reaches_the_team_lead(desk, login, page, live_server, a11y, screenshot):
    handover = handovers.handover_create(
        customer=desk["customer"],
        actor=desk["anna"],
        to=handovers.Receiver(team=desk["zuid"]),
        note=NOTE,
        now=timezone.now() - timedelta(days=7),
    )
    assert sweeps.handovers_waiting_sweep() == 1  # what beat runs every minute

    # Sem, Team Zuid's lead, has the notice and sees it waiting too long on the team board
    login(desk["sem"])
    page.goto(f"{live_server.url}/notifications/")
    # notices are written in the desk's language (Dutch), like every notice
    expect(page.locator(".notifications")).to_contain_text("Overdracht wacht te lang: Fenna Bakker")
    page.goto(f"{live_server.url}/teams/{desk['zuid'].pk}/")
    row = page.locator(f".team-handovers #handover-{handover.pk}")
    expect(row).to_contain_text("waiting too long")
    expect(row).to_contain_text(NOTE)
    a11y("team board with a handover waiting too long")
    screenshot("handover-team-board")

    # the lead may take it himself
    row.get_by_role("link", name="Accept…").click()
    row.get_by_role("button", name="Accept").click()
    expect(row).to_contain_text("accepted by Sem de Leider")


def test_a_no_to_fully_helped_ends_with_a_promise(desk, login, page, live_server, a11y, screenshot):
    customer = desk["customer"]
    login(desk["anna"])
    page.goto(f"{live_server.url}{customer.get_absolute_url()}log/")
    block = page.locator("[data-next-step]")
    expect(block).to_be_hidden()  # only for a "no"
    page.fill("#id_summary", "Dubbele afschrijving, nog niet opgelost")

    page.select_option("#id_fully_helped", "false")
    expect(block).to_be_visible()
    expect(page.locator("#id_next_step")).to_be_focused()
    page.keyboard.type("Navragen bij financiën of het terug kan, en haar terugbellen")
    page.get_by_role("button", name="Promise it to the customer").click()
    expect(page.locator("#id_promises-0-description")).to_have_value(
        "Navragen bij financiën of het terug kan, en haar terugbellen"
    )
    expect(page.locator("#id_promises-0-due_at")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # tomorrow 09:00
    a11y("log form with what happens next")
    screenshot("log-contact-what-happens-next")
    page.keyboard.press("Control+Enter")

    page.wait_for_url(f"**{customer.get_absolute_url()}")
    expect(page.locator(".alert-success")).to_contain_text("Promises recorded: 1")
    promise = Promise.objects.get(moment__fully_helped=False)
    assert promise.description == "Navragen bij financiën of het terug kan, en haar terugbellen"


def test_without_javascript_a_refused_no_comes_back_with_the_promise_filled_in(desk, browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.locator("button.btn-primary[type=submit]").click()  # not the language switch's (shown without script)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    customer = desk["customer"]

    page.goto(f"{live_server.url}{customer.get_absolute_url()}log/")
    expect(page.locator("#id_next_step")).to_be_visible()  # no script: the block is always there
    page.fill("#id_summary", "Dubbele afschrijving")
    page.select_option("#id_fully_helped", "false")
    page.fill("#id_next_step", "Terugbellen met het antwoord van financiën")
    page.get_by_role("button", name="Save contact").click()

    expect(page.locator("#main")).to_contain_text("Make what happens next a promise, or hand the customer over")
    expect(page.locator("#id_promises-0-description")).to_have_value("Terugbellen met het antwoord van financiën")
    page.fill("#id_promises-0-due_at", (timezone.localtime() + timedelta(days=2)).strftime("%d-%m %H:%M"))
    page.get_by_role("button", name="Save contact").click()

    page.wait_for_url(f"**{customer.get_absolute_url()}")
    assert Promise.objects.get(moment__fully_helped=False).description == "Terugbellen met het antwoord van financiën"
    context.close()

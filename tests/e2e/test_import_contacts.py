"""Issue 10 in a real browser: a desk moves in its contact history, and sees it on the customer page."""

import pytest
from playwright.sync_api import expect

from contacts.models import ContactMoment, CustomerImport
from contacts.tasks import customer_import_task
from followups.models import CheckIn

from ..factories import CheckInPolicyFactory, CustomerFactory, TeamFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _history_file(path):
    """Excel NL: `;`, a BOM, Dutch headers and spellings; line 4 names a topic the desk does not have."""
    lines = [
        "Datum;Kanaal;Richting;Onderwerp;Samenvatting;Klantnummer;Team",
        "14-11-2024 09:12;Telefoon;Inkomend;Factuur;Vroeg waarom de factuur hoger was;K1001;Noord",
        "2024-11-15 16:40;E-mail;uit;factuur;Uitleg over de nieuwe tarieven gestuurd;K1001;",
        "18/11/2024;Balie;in;Verhuizing;Kwam langs voor een verhuizing;K1001;",
    ]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    return path


def test_a_manager_imports_contact_history_and_sees_it_marked_on_the_customer_page(
    login, page, live_server, a11y, screenshot, tmp_path
):
    # given a customer the desk already has, its topic and team, and the policy that plans check-ins
    customer = CustomerFactory(customer_number="K1001", full_name="Jan de Vries")
    TopicFactory(name="Factuur")
    TeamFactory(name="Noord")
    CheckInPolicyFactory()
    upload = _history_file(tmp_path / "contacthistorie.csv")
    login(UserFactory(username="boss", role="Manager"))

    # the manager uploads the file as contact history
    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("link", name="Import customers…").click()
    page.get_by_label("Contact history").check()
    page.get_by_label("File to import").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()

    # the dry run: the Dutch headers read, the lines as they will be stored, the bad line with its reason
    expect(page.get_by_role("heading", level=1)).to_have_text("Import contact history: contacthistorie.csv")
    expect(page.locator("#dry-run-summary")).to_contain_text(
        "Dry run of 3 lines: 2 new contacts, 0 imported before, 1 lines refused."
    )
    expect(page.get_by_label("Datum")).to_have_value("occurred_at")
    expect(page.get_by_label("Klantnummer")).to_have_value("customer_number")
    preview = page.locator("#import-preview tbody tr")
    expect(preview).to_have_count(3)
    expect(preview.nth(0)).to_contain_text("new contact")
    expect(preview.nth(0)).to_contain_text("Jan de Vries (K1001)")
    expect(preview.nth(0)).to_contain_text("14-11-2024 09:12")
    expect(preview.nth(1)).to_contain_text("Outbound")
    expect(preview.nth(2)).to_contain_text("refused, see below")
    expect(page.locator("#import-errors tbody tr")).to_have_text(["4 topic There is no topic called “Verhuizing”."])
    a11y("contact history preview")
    screenshot("import-contacts-preview")
    assert not ContactMoment.objects.exists()  # nothing stored yet

    # the import runs in the worker; the page follows it to the end
    page.get_by_role("button", name="Import 2 lines").click()
    _run_queued_import()
    expect(page.locator("#import-percent")).to_have_text("100%")
    expect(page.locator("#import-counts")).to_contain_text("created: 2")
    expect(page.locator("#import-counts")).to_contain_text("refused: 1")

    # the customer page shows the two contacts, each marked as imported; nothing was planned
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    rows = page.locator("#timeline .contact-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Uitleg over de nieuwe tarieven gestuurd")
    expect(rows.nth(1)).to_contain_text("Noord")
    expect(page.locator("#timeline .imported-badge")).to_have_text(["imported", "imported"])
    a11y("customer with imported contacts")
    screenshot("import-contacts-timeline")
    assert not CheckIn.objects.exists()


def _run_queued_import():
    """What the Celery worker does with the task the page queued (tests publish to memory)."""
    customer_import_task(CustomerImport.objects.get(status=CustomerImport.Status.QUEUED).pk)

"""Issue 10 in a real browser: a desk moves in with a real-looking Dutch customer file, and imports it again."""

import csv
import io

import pytest
from playwright.sync_api import expect

from contacts.models import Customer, CustomerImport
from contacts.tasks import customer_import_check_task, customer_import_task

from ..factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LINES = 3000
PHONES = ["06 {a:04d}{b:04d}", "+31 6 {a:04d} {b:04d}", "0031 6{a:04d}{b:04d}", "06-{a:04d}{b:04d}", "(06) {a}{b:04d}"]
BAD_PHONE = "This is not a phone number we can call. Type it like 06 12345678 or +31 6 1234 5678."


def _dutch_file(path):
    """Excel NL: `;`, a BOM, mixed phone spellings; every 20th line a bad phone, the last but one a repeated number."""
    lines = ["Klantnummer;Naam;Aanspreekvorm;Telefoon;E-mail;Taal;Bijzonderheden"]
    for n in range(1, LINES + 1):
        number = "B0000001" if n == LINES - 1 else f"B{n:07d}"
        phone = "12345" if n % 20 == 0 else PHONES[n % len(PHONES)].format(a=2000 + n // 10000, b=n % 10000)
        lines.append(f"{number};Klant {n};;{phone};klant{n}@example.com;{'Nederlands' if n % 2 else 'en'};")
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    return path


def _run_queued_check():
    """What the Celery worker does with a file above IMPORT_DRY_RUN_INLINE_MAX_LINES: the dry run."""
    customer_import = CustomerImport.objects.get(status=CustomerImport.Status.CHECKING)
    customer_import_check_task(customer_import.pk)


def _run_queued_import():
    """What the Celery worker does with the task the page queued (tests publish to memory)."""
    customer_import = CustomerImport.objects.get(status=CustomerImport.Status.QUEUED)
    customer_import_task(customer_import.pk)


def test_a_manager_imports_a_dutch_customer_file_and_again_with_nothing_new(
    login, page, live_server, a11y, screenshot, tmp_path
):
    # given 100 customers the desk already has (they appear in the file: updates, not duplicates)
    for n in range(1, 101):
        CustomerFactory(customer_number=f"B{n:07d}", full_name=f"Oude naam {n}")
    upload = _dutch_file(tmp_path / "klanten.csv")
    login(UserFactory(username="boss", role="Manager"))

    # the manager uploads the file from the Customers page
    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("link", name="Import customers…").click()
    expect(page.get_by_label("Customers", exact=True)).to_be_checked()
    page.get_by_label("File to import").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()

    # 3,000 lines: the dry run runs in the worker, and the page follows it, then shows its result
    expect(page.locator("#import-status")).to_have_text("Checking (dry run)")
    _run_queued_check()

    # the dry run: how the columns are read, the first lines as stored, every bad line
    expect(page.locator("#dry-run-summary")).to_contain_text(
        "Dry run of 3000 lines: 2754 new customers, 95 updates, 0 unchanged, 151 lines refused."
    )
    expect(page.get_by_label("Telefoon")).to_have_value("phone")
    expect(page.get_by_label("Bijzonderheden")).to_have_value("detail")
    preview = page.locator("#import-preview tbody tr")
    expect(preview).to_have_count(20)
    expect(preview.nth(0)).to_contain_text("updates B0000001")
    expect(preview.nth(0)).to_contain_text("06 20000001")
    errors = page.locator("#import-errors tbody tr")
    expect(errors.first).to_contain_text(f"21 phone {BAD_PHONE}")
    expect(page.locator("#import-errors")).to_contain_text(
        "3000 customer number Customer number B0000001 is also on line 2."
    )
    a11y("import preview")
    screenshot("import-preview")
    assert not Customer.objects.filter(customer_number="B0000101").exists()  # nothing stored yet

    # the import runs (in the worker) and the page follows it to 100%
    page.get_by_role("button", name="Import 2849 lines").click()
    expect(page.locator("#import-status")).to_have_text("Queued")
    _run_queued_import()
    expect(page.locator("#import-percent")).to_have_text("100%")
    expect(page.locator("#import-counts")).to_contain_text("created: 2754")
    expect(page.locator("#import-counts")).to_contain_text("updated: 95")
    expect(page.locator("#import-counts")).to_contain_text("refused: 151")
    assert Customer.objects.count() == 100 + 2754
    assert Customer.objects.get(customer_number="B0000003").phone == "+31620000003"
    a11y("import done")
    screenshot("import-done")

    # the report is downloadable: the counts and every bad line
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (CSV)").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(report), delimiter=";"))
    assert rows[1] == ["created", "2754"]
    problems = rows[7:]
    assert len(problems) == 152  # 150 bad phones; the repeated number is both a duplicate and the same customer
    assert problems[0] == ["21", "phone", BAD_PHONE]

    # the same file again: nothing new
    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("link", name="Import customers…").click()
    page.get_by_label("File to import").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-status")).to_have_text("Checking (dry run)")
    _run_queued_check()
    expect(page.locator("#dry-run-summary")).to_contain_text("0 new customers, 0 updates, 2849 unchanged, 151 lines")
    page.get_by_role("button", name="Import 0 lines").click()
    _run_queued_import()
    expect(page.locator("#import-percent")).to_have_text("100%")
    expect(page.locator("#import-counts")).to_contain_text("created: 0")
    assert Customer.objects.count() == 100 + 2754

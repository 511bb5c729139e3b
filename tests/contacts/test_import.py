"""Importing customers: reading CSV/XLSX, the dry run's per-line report, matching, batches, resuming."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from contacts import imports
from contacts.models import Customer, CustomerDetail, CustomerImport
from contacts.tasks import customer_import_task

from ..factories import CustomerFactory

DUTCH_HEADER = "Klantnummer;Naam;Aanspreekvorm;Telefoon;E-mail;Taal;Bijzonderheden"


def _csv(lines: list[str], *, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode()


def _upload(user, content: bytes, name: str = "klanten.csv") -> CustomerImport:
    return imports.customer_import_upload(actor=user, file_name=name, content=content, language="en")


def _import(user, content: bytes, django_capture_on_commit_callbacks, name: str = "klanten.csv") -> CustomerImport:
    customer_import = _upload(user, content, name)
    with django_capture_on_commit_callbacks(execute=True) as published:
        imports.customer_import_start(customer_import=customer_import, actor=user)
    assert len(published) == 1  # the task is queued after commit; a worker would run it:
    customer_import_task(customer_import.pk)
    customer_import.refresh_from_db()
    return customer_import


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_dutch_headers_with_semicolons_and_a_bom_are_mapped_and_read(manager_user):
    content = _csv(
        [DUTCH_HEADER, "K42;Jan de Vries;Jan;06 12345678;Jan@Example.COM;Nederlands;heeft een pasgeborene"], bom=True
    )

    customer_import = _upload(manager_user, content)

    assert customer_import.mapping == {
        "0": "customer_number",
        "1": "full_name",
        "2": "preferred_address",
        "3": "phone",
        "4": "email",
        "5": "language",
        "6": "detail",
    }
    assert customer_import.preview == [
        {
            "line": 2,
            "action": "create",
            "customer_number": "K42",
            "full_name": "Jan de Vries",
            "preferred_address": "Jan",
            "phone": "06 12345678",
            "email": "jan@example.com",
            "language": "nl",
            "detail": "heeft een pasgeborene",
        }
    ]
    assert (customer_import.total, customer_import.created, customer_import.failed) == (1, 1, 0)
    assert not Customer.objects.exists()  # a dry run stores nothing


def test_english_headers_with_commas_are_mapped(manager_user):
    content = _csv(
        ["Customer number,Name,Phone,Email,Language,Notes", "c-7,Ann Smith,+44 20 7946 0958,a@b.nl,English,x"]
    )

    customer_import = _upload(manager_user, content)

    assert customer_import.mapping == {
        "0": "customer_number",
        "1": "full_name",
        "2": "phone",
        "3": "email",
        "4": "language",
        "5": "detail",
    }
    assert customer_import.preview[0]["customer_number"] == "C-7"
    assert customer_import.preview[0]["language"] == "en"


def test_the_first_sheet_of_an_xlsx_file_is_read(manager_user, django_capture_on_commit_callbacks):
    book = Workbook()
    sheet = book.active
    sheet.append(["Naam", "Mobiel", "E-mail"])
    sheet.append(["Piet Jansen", 612345678, "piet@example.com"])  # Excel made the phone a number
    book.create_sheet("Other").append(["ignored"])
    buffer = io.BytesIO()
    book.save(buffer)

    customer_import = _import(manager_user, buffer.getvalue(), django_capture_on_commit_callbacks, name="klanten.xlsx")

    assert customer_import.format == CustomerImport.Format.XLSX
    customer = Customer.objects.get()
    assert (customer.full_name, customer.phone, customer.email) == ("Piet Jansen", "+31612345678", "piet@example.com")
    assert customer.customer_number.startswith("K")


def test_the_dry_run_reports_every_bad_line_with_its_number_field_and_reason(manager_user):
    CustomerFactory(customer_number="K900", email="taken@example.com")
    content = _csv(
        [
            DUTCH_HEADER,
            "K1;Goed Mens;;06 11111111;goed@example.com;nl;",
            "K2;Fout Nummer;;12345;fout@example.com;nl;",
            "k 1;Dubbel Nummer;;06 22222222;dubbel@example.com;nl;",
            "K3;Bezet Adres;;06 33333333;taken@example.com;nl;",
            f"K4;{'x' * 151};;06 44444444;lang@example.com;nl;",
            "K5;Vreemde Taal;;06 55555555;taal@example.com;Frans;",
            ";Zonder Sleutel;;;;nl;",
        ],
        bom=True,
    )

    customer_import = _upload(manager_user, content)

    problems = [(e["line"], e["field"], e["message"]) for e in customer_import.errors]
    assert problems == [
        (3, "phone", "This is not a phone number we can call. Type it like 06 12345678 or +31 6 1234 5678."),
        (4, "customer_number", "Customer number K1 is also on line 2."),
        (5, "email", "This e-mail address belongs to another customer (K900)."),
        (6, "full_name", "Ensure this value has at most 150 characters (it has 151)."),
        (7, "language", "Value 'Frans' is not a valid choice."),
        (
            8,
            "customer_number",
            "A line needs a customer number, e-mail or phone, so that importing again finds the customer.",
        ),
    ]
    assert (customer_import.total, customer_import.created, customer_import.failed) == (7, 1, 6)


def test_blank_lines_keep_the_line_numbers_of_the_report_exact(manager_user):
    content = _csv(["Klantnummer;Naam;Telefoon", "K1;Een;06 11111111", "", ";;", "K2;Twee;0612"], bom=True)

    customer_import = _upload(manager_user, content)

    assert [(e["line"], e["field"]) for e in customer_import.errors] == [(5, "phone")]
    assert (customer_import.total, customer_import.created, customer_import.failed) == (2, 1, 1)


def test_lines_matching_a_customer_by_number_email_or_phone_update_it(manager_user, django_capture_on_commit_callbacks):
    by_number = CustomerFactory(customer_number="K100", full_name="Oud Nummer")
    by_email = CustomerFactory(customer_number="K200", email="mail@example.com", full_name="Oud Mail")
    by_phone = CustomerFactory(customer_number="K300", email="", phone="+31612345670", full_name="Oud Telefoon")
    content = _csv(
        [
            "Klantnummer;Naam;Telefoon;E-mail",
            "K100;Nieuw Nummer;;",
            ";Nieuw Mail;;MAIL@example.com",
            ";Nieuw Telefoon;06-12 34 56 70;",
            "K400;Echt Nieuw;;nieuw@example.com",
        ]
    )

    checked = _upload(manager_user, content)
    assert checked.errors == []
    assert [(row["line"], row["action"], row["customer_number"]) for row in checked.preview] == [
        (2, "update", "K100"),
        (3, "update", "K200"),
        (4, "update", "K300"),
        (5, "create", "K400"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        imports.customer_import_start(customer_import=checked, actor=manager_user)
    customer_import_task(checked.pk)

    for customer, name in ((by_number, "Nieuw Nummer"), (by_email, "Nieuw Mail"), (by_phone, "Nieuw Telefoon")):
        customer.refresh_from_db()
        assert customer.full_name == name
        assert customer.history.first().history_user == manager_user
    assert Customer.objects.count() == 4
    assert Customer.objects.get(customer_number="K400").history.get().history_user == manager_user


def test_importing_the_same_file_again_creates_nothing_new(manager_user, django_capture_on_commit_callbacks):
    content = _csv(
        [
            DUTCH_HEADER,
            "K1;Een;;06 11111111;een@example.com;nl;belt graag 's ochtends",
            ";Twee;;06 22222222;twee@example.com;en;",
            ";Drie;;+31 6 3333 3333;;nl;",
        ]
    )
    first = _import(manager_user, content, django_capture_on_commit_callbacks)
    assert (first.status, first.created) == (CustomerImport.Status.DONE, 3)
    history_rows = Customer.history.count()

    again = _import(manager_user, content, django_capture_on_commit_callbacks)

    assert (again.status, again.created, again.updated, again.unchanged, again.failed) == ("done", 0, 0, 3, 0)
    assert Customer.objects.count() == 3
    assert CustomerDetail.objects.count() == 1
    assert Customer.history.count() == history_rows  # nothing changed, nothing recorded


def test_a_batch_failing_halfway_keeps_earlier_batches_and_a_second_run_resumes(
    manager_user, monkeypatch, django_capture_on_commit_callbacks
):
    content = _csv(["Klantnummer;Naam"] + [f"K{n};Klant {n}" for n in range(1, 8)])
    customer_import = _upload(manager_user, content)
    with django_capture_on_commit_callbacks(execute=True):
        imports.customer_import_start(customer_import=customer_import, actor=manager_user)
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)
    real_apply = imports._apply
    calls = []

    def apply_failing_second(lines, **kwargs):
        calls.append(len(lines))
        if len(calls) == 2:
            real_apply(lines, **kwargs)  # half written, then the database goes away
            raise OSError("connection lost")
        real_apply(lines, **kwargs)

    monkeypatch.setattr(imports, "_apply", apply_failing_second)

    with pytest.raises(OSError, match="connection lost"):
        imports.customer_import_run(import_id=customer_import.pk)

    customer_import.refresh_from_db()
    assert sorted(Customer.objects.values_list("customer_number", flat=True)) == ["K1", "K2", "K3"]
    assert (customer_import.status, customer_import.processed_rows, customer_import.created) == ("failed", 3, 3)
    assert customer_import.stop_reason == "line 5: OSError"

    customer_import_task.apply(args=[customer_import.pk]).get()  # the retry

    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.processed_rows, customer_import.created) == ("done", 7, 7)
    assert Customer.objects.count() == 7


def test_new_customers_without_a_number_get_free_numbers_past_a_manual_one(
    manager_user, django_capture_on_commit_callbacks
):
    CustomerFactory(customer_number="K1000001")
    content = _csv(["Naam;E-mail;Klantnummer", "A;a@example.com;", "B;b@example.com;", "C;c@example.com;K1000003"])

    _import(manager_user, content, django_capture_on_commit_callbacks)

    numbers = dict(Customer.objects.values_list("email", "customer_number"))
    assert numbers["c@example.com"] == "K1000003"
    assert {numbers["a@example.com"], numbers["b@example.com"]} == {"K1000002", "K1000004"}


def test_a_file_over_20_mb_is_refused_with_its_size(manager_client):
    big = io.BytesIO(b"Naam;E-mail\r\n" + b"x;y\r\n" * (4 * 1024 * 1024 + 10))
    big.name = "groot.csv"

    response = manager_client.post(reverse("contacts:customer-import"), {"file": big})

    assert response.status_code == 200
    assert "the limit is 20 MB" in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_a_file_that_is_not_utf8_gets_a_clear_message(manager_client):
    upload = io.BytesIO("Naam;E-mail\r\nJosé;j@example.com\r\n".encode("cp1252"))
    upload.name = "excel.csv"

    response = manager_client.post(reverse("contacts:customer-import"), {"file": upload})

    assert "This file is not UTF-8 text" in response.content.decode()


def test_a_manager_uploads_previews_imports_and_downloads_the_report(
    manager_client, django_capture_on_commit_callbacks
):
    upload = io.BytesIO(_csv([DUTCH_HEADER, "K1;Een;;06 11111111;;nl;", "K2;Twee;;0612;;nl;"], bom=True))
    upload.name = "klanten.csv"

    response = manager_client.post(reverse("contacts:customer-import"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert "Dry run of 2 lines: 1 new customers, 0 updates, 0 unchanged, 1 lines refused." in page
    customer_import = CustomerImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("contacts:customer-import-start", args=[customer_import.pk]))
    customer_import_task(customer_import.pk)
    progress = manager_client.get(reverse("contacts:customer-import-progress", args=[customer_import.pk]))
    report = manager_client.get(reverse("contacts:customer-import-report", args=[customer_import.pk]))

    assert "100%" in progress.content.decode()
    assert 'hx-trigger="every 1s"' not in progress.content.decode()  # finished: the polling stops
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == ["created", "1"]
    assert rows[-1] == [
        "3",
        "phone",
        "This is not a phone number we can call. Type it like 06 12345678 or +31 6 1234 5678.",
    ]


def test_a_running_import_polls_its_progress(manager_client, manager_user):
    customer_import = _upload(manager_user, _csv(["Klantnummer;Naam", "K1;Een"]))
    CustomerImport.objects.filter(pk=customer_import.pk).update(status=CustomerImport.Status.RUNNING)

    response = manager_client.get(reverse("contacts:customer-import-progress", args=[customer_import.pk]))

    assert 'hx-trigger="every 1s"' in response.content.decode()


def test_the_mapping_can_be_changed_and_is_checked(manager_client, manager_user):
    customer_import = _upload(manager_user, _csv(["Klantnummer;Kolom", "K1;Een"]))
    url = reverse("contacts:customer-import-map", args=[customer_import.pk])

    refused = manager_client.post(url, {"column_0": "full_name", "column_1": "full_name"})
    manager_client.post(url, {"column_0": "customer_number", "column_1": "full_name"})

    assert refused.status_code == 400
    assert "Each field can come from one column only: name." in refused.content.decode()
    customer_import.refresh_from_db()
    assert customer_import.mapping == {"0": "customer_number", "1": "full_name"}
    assert customer_import.preview[0]["full_name"] == "Een"


@pytest.mark.parametrize("name", ["customer-import"])
def test_staff_may_not_import(staff_client, name):
    assert staff_client.get(reverse(f"contacts:{name}")).status_code == 403


def test_staff_may_not_see_or_start_an_import(staff_client, manager_user):
    customer_import = _upload(manager_user, _csv(["Klantnummer;Naam", "K1;Een"]))

    detail = staff_client.get(customer_import.get_absolute_url())
    start = staff_client.post(reverse("contacts:customer-import-start", args=[customer_import.pk]))

    assert (detail.status_code, start.status_code) == (403, 403)
    assert not Customer.objects.exists()

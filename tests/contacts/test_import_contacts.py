"""Importing historic contact moments, and checking big files (the dry run) in the worker."""

import io
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from contacts import import_history, imports
from contacts.models import ContactMoment, Customer, CustomerImport
from contacts.tasks import customer_import_check_task, customer_import_task
from followups.models import CheckIn, Promise

from ..celery_utils import Worker, broker, redis_reachable, redis_test_url, wait_for
from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, TopicFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HEADER = "Datum;Kanaal;Richting;Onderwerp;Samenvatting;Klantnummer;E-mail;Telefoon;Team"
CONTACTS = CustomerImport.Kind.CONTACTS


def _csv(lines: list[str], *, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode()


def _line(
    when="31-12-2024 14:05", channel="telefoon", direction="in", topic="Factuur", summary="Vroeg naar de factuur",
    number="K1", email="", phone="", team="",
) -> str:  # fmt: skip
    return ";".join([when, channel, direction, topic, summary, number, email, phone, team])


def _upload(user, content: bytes, name: str = "contacten.csv", kind=CONTACTS) -> CustomerImport:
    return imports.customer_import_upload(actor=user, file_name=name, content=content, language="en", kind=kind)


def _import(user, content: bytes, django_capture_on_commit_callbacks) -> CustomerImport:
    customer_import = _upload(user, content)
    with django_capture_on_commit_callbacks(execute=True) as published:
        imports.customer_import_start(customer_import=customer_import, actor=user)
    assert len(published) == 1
    customer_import_task(customer_import.pk)
    customer_import.refresh_from_db()
    return customer_import


def _problems(customer_import) -> list[tuple]:
    return [(e["line"], e["field"], e["message"]) for e in customer_import.errors]


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def desk(db):
    """Customer K1 (jan@example.com, 06 12345678), the topic Factuur and team Noord."""
    TopicFactory(name="Factuur")
    TeamFactory(name="Noord")
    return CustomerFactory(customer_number="K1", email="jan@example.com", phone="+31612345678")


# --- Reading the columns ------------------------------------------------------------


def test_dutch_headers_with_semicolons_and_a_bom_are_mapped_and_dry_run(manager_user, desk):
    customer_import = _upload(manager_user, _csv([HEADER, _line(team="noord")]))

    assert customer_import.kind == CONTACTS
    assert customer_import.mapping == {
        "0": "occurred_at",
        "1": "channel",
        "2": "direction",
        "3": "topic",
        "4": "summary",
        "5": "customer_number",
        "6": "email",
        "7": "phone",
        "8": "team",
    }
    assert customer_import.preview == [
        {
            "line": 2,
            "action": "create",
            "customer": str(desk),
            "occurred_at": "31-12-2024 14:05",
            "channel": "Phone",
            "direction": "Inbound",
            "topic": "Factuur",
            "team": "Noord",
            "summary": "Vroeg naar de factuur",
        }
    ]
    assert (customer_import.total, customer_import.created, customer_import.failed) == (1, 1, 0)
    assert not ContactMoment.objects.exists()  # a dry run stores nothing


def test_english_headers_with_commas_are_mapped(manager_user, desk):
    content = _csv(["Date,Channel,Direction,Topic,Summary,Email", "2024-12-31,email,outbound,factuur,Sent it,JAN@x.nl"])

    customer_import = _upload(manager_user, content, name="history.csv")

    assert customer_import.mapping == {
        "0": "occurred_at",
        "1": "channel",
        "2": "direction",
        "3": "topic",
        "4": "summary",
        "5": "email",
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("31-12-2024 14:05", datetime(2024, 12, 31, 14, 5, tzinfo=AMSTERDAM)),
        ("31/12/2024", datetime(2024, 12, 31, tzinfo=AMSTERDAM)),
        ("1-7-2024 9:30", datetime(2024, 7, 1, 9, 30, tzinfo=AMSTERDAM)),
        ("31.12.2024 14.05", datetime(2024, 12, 31, 14, 5, tzinfo=AMSTERDAM)),
        ("2024-12-31", datetime(2024, 12, 31, tzinfo=AMSTERDAM)),
        ("2024-07-01 09:30:15", datetime(2024, 7, 1, 9, 30, 15, tzinfo=AMSTERDAM)),
        ("2024-07-01T09:30:00Z", datetime(2024, 7, 1, 11, 30, tzinfo=AMSTERDAM)),
        ("2024-07-01T09:30+02:00", datetime(2024, 7, 1, 9, 30, tzinfo=AMSTERDAM)),
        ("  2024-12-31   14:05 ", datetime(2024, 12, 31, 14, 5, tzinfo=AMSTERDAM)),
    ],
)
def test_dates_in_iso_and_dutch_day_first_spellings_are_desk_time(typed, expected):
    assert import_history.when_parse(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "This field cannot be blank."),
        ("gisteren", "“gisteren” is not a date we can read. Write it like 31-12-2024 14:05 or 2024-12-31."),
        ("31-02-2024", "“31-02-2024” is not a date we can read. Write it like 31-12-2024 14:05 or 2024-12-31."),
        ("31-12-2024 25:00", "“31-12-2024 25:00” is not a date we can read."),
        ("12-31-2024", "“12-31-2024” is not a date we can read."),
        ("２０２４-12-31", "“２０２４-12-31” is not a date we can read."),  # unicode digits are no date
        ("0001-01-01", "Contacts before 1 January 2000 cannot be logged; check the year."),
        ("9999-12-31 23:59", "A contact that happened cannot be in the future."),
        ("31-12-1999", "Contacts before 1 January 2000 cannot be logged; check the year."),
    ],
)
def test_a_date_that_cannot_be_read_or_is_out_of_bounds_is_a_line_error(manager_user, desk, typed, message):
    customer_import = _upload(manager_user, _csv([HEADER, _line(when=typed)]))

    [(line, field, text)] = _problems(customer_import)
    assert (line, field) == (2, "occurred_at")
    assert text.startswith(message)


@given(st.text(max_size=60))
@settings(max_examples=200, deadline=None)
def test_any_text_as_a_date_is_a_date_or_a_validation_error(typed):
    try:
        parsed = import_history.when_parse(typed)
    except ValidationError as error:
        assert list(error.message_dict) == ["occurred_at"]
    else:
        assert parsed.tzinfo is not None
        assert 1900 <= parsed.year <= 9998


@pytest.mark.parametrize(
    ("typed", "channel"),
    [
        ("telefoon", "phone"),
        ("Phone", "phone"),
        ("phone", "phone"),
        ("E-mail", "email"),
        ("EMAIL", "email"),
        ("chat", "chat"),
        ("Balie", "desk"),
        ("desk", "desk"),
        ("Social media", "social"),
        ("sociale media", "social"),
        ("brief", "letter"),
        ("Letter", "letter"),
    ],
)
def test_channels_as_codes_or_labels_in_either_language(
    manager_user, desk, typed, channel, django_capture_on_commit_callbacks
):
    _import(manager_user, _csv([HEADER, _line(channel=typed)]), django_capture_on_commit_callbacks)

    assert ContactMoment.objects.get().channel == channel


@pytest.mark.parametrize(
    ("typed", "direction"),
    [("in", "in"), ("Inkomend", "in"), ("inbound", "in"), ("uit", "out"), ("Uitgaand", "out"), ("OUTBOUND", "out")],
)
def test_directions_in_either_language(manager_user, desk, typed, direction, django_capture_on_commit_callbacks):
    _import(manager_user, _csv([HEADER, _line(direction=typed)]), django_capture_on_commit_callbacks)

    assert ContactMoment.objects.get().direction == direction


def test_every_bad_line_is_reported_with_its_number_field_and_reason(manager_user, desk):
    CustomerFactory(customer_number="K2", email="dubbel@example.com")
    CustomerFactory(customer_number="K3", email="dubbel@example.com")
    content = _csv(
        [
            HEADER,
            _line(),
            _line(channel="fax"),
            _line(direction="zijwaarts"),
            _line(topic="Verhuizing"),
            _line(summary="x" * 2001),
            _line(summary=""),
            _line(number="K999"),
            _line(number="", email="niemand@example.com"),
            _line(number="", email="dubbel@example.com"),
            _line(number="", phone="06 12345678", team="Zuid"),
            _line(number=""),
            _line(channel=""),
        ]
    )

    customer_import = _upload(manager_user, content)

    assert _problems(customer_import) == [
        (3, "channel", "“fax” is not a channel. Use phone, e-mail, chat, desk, social media or letter."),
        (4, "direction", "“zijwaarts” is not a direction. Use in or out."),
        (5, "topic", "There is no topic called “Verhuizing”."),
        (6, "summary", "Ensure this value has at most 2000 characters (it has 2001)."),
        (7, "summary", "This field cannot be blank."),
        (8, "customer_number", "No customer has customer number K999. Import the customers first."),
        (9, "email", "No customer has this e-mail address or phone number. Import the customers first."),
        (10, "email", "More than one customer has this e-mail address or phone number: use the customer number."),
        (11, "team", "There is no team called “Zuid”."),
        (12, "customer_number", "A line needs a customer number, e-mail or phone to find its customer."),
        (13, "channel", "This field cannot be blank."),
    ]
    assert (customer_import.total, customer_import.created, customer_import.failed) == (12, 1, 11)
    assert customer_import.preview[1] == {"line": 3, "action": "", "values": customer_import.preview[1]["values"]}


def test_the_customer_is_found_by_number_else_e_mail_else_phone(manager_user, desk, django_capture_on_commit_callbacks):
    content = _csv(
        [
            HEADER,
            _line(summary="op nummer", number="k 1"),
            _line(summary="op e-mail", number="", email=" JAN@example.com "),
            _line(summary="op telefoon", number="", phone="+31 6 1234 5678"),
        ]
    )

    customer_import = _import(manager_user, content, django_capture_on_commit_callbacks)

    assert (customer_import.status, customer_import.created, customer_import.failed) == ("done", 3, 0)
    assert set(desk.contact_moments.values_list("summary", flat=True)) == {"op nummer", "op e-mail", "op telefoon"}


def test_an_xlsx_file_with_date_cells_is_read(manager_user, desk, django_capture_on_commit_callbacks):
    book = Workbook()
    book.active.append(["Datum", "Kanaal", "Richting", "Samenvatting", "Klantnummer"])
    book.active.append([datetime(2024, 12, 31, 14, 5), "Chat", "Uit", "Via de chat geholpen", "K1"])
    buffer = io.BytesIO()
    book.save(buffer)

    customer_import = imports.customer_import_upload(
        actor=manager_user, file_name="historie.xlsx", content=buffer.getvalue(), language="en", kind=CONTACTS
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.customer_import_start(customer_import=customer_import, actor=manager_user)
    customer_import_task(customer_import.pk)

    moment = ContactMoment.objects.get()
    assert (moment.occurred_at, moment.channel, moment.direction) == (
        datetime(2024, 12, 31, 14, 5, tzinfo=AMSTERDAM),
        "chat",
        "out",
    )


def test_nul_bytes_in_a_file_are_dropped_not_stored(manager_user, desk):
    content = _csv([HEADER, _line(summary="Vroeg\x00 naar de factuur", topic="Fac\x00tuur")])

    customer_import = _upload(manager_user, content)

    assert customer_import.errors == []
    assert customer_import.preview[0]["summary"] == "Vroeg naar de factuur"


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "K1", "31-12-2024 14:05", "2024-12-31", "telefoon", "uit", "Factuur", "x" * 5000, "٣"]),
)


@given(st.fixed_dictionaries(dict.fromkeys(import_history.FIELDS, CELL)))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_line_is_planned_or_refused_with_reasons_never_an_exception(desk, manager_user, values):
    [line] = import_history.plan([(2, values)], actor=manager_user, seen={})

    assert (line.action in {"create", "unchanged"}) is (not line.errors)
    assert all(error["field"] in import_history.FIELDS and error["message"] for error in line.errors)
    assert not ContactMoment.objects.exists()


def test_a_topic_is_found_whatever_its_case_even_a_retired_one(manager_user, desk, django_capture_on_commit_callbacks):
    retired = TopicFactory(name="Oude Storing", is_active=False)

    _import(manager_user, _csv([HEADER, _line(topic="oude storing")]), django_capture_on_commit_callbacks)

    assert ContactMoment.objects.get().topic == retired


def test_a_mapping_without_the_needed_columns_cannot_start(manager_user, desk):
    customer_import = _upload(manager_user, _csv(["Klantnummer;Samenvatting", "K1;Belde"]))

    with pytest.raises(ValidationError) as refused, translation.override("en"):
        imports.customer_import_start(customer_import=customer_import, actor=manager_user)

    assert refused.value.messages == ["Map a column to each of these fields: when, channel, direction."]


# --- Importing ------------------------------------------------------------------------


def test_importing_logs_each_line_as_the_importer_without_planning_check_ins_or_promises(
    manager_user, desk, default_policy, django_capture_on_commit_callbacks
):
    older = ContactMomentFactory(customer=desk, occurred_at=datetime(2024, 6, 1, 10, tzinfo=AMSTERDAM))
    content = _csv(
        [HEADER, _line(when="31-12-2024 14:05", team="Noord"), _line(when="2024-11-01 09:00", summary="Eerder")]
    )

    customer_import = _import(manager_user, content, django_capture_on_commit_callbacks)

    imported = ContactMoment.objects.imported().order_by("occurred_at")
    assert list(imported.values_list("summary", flat=True)) == ["Eerder", "Vroeg naar de factuur"]
    latest = imported.last()
    assert (latest.logged_by, latest.team.name, latest.topic.name) == (manager_user, "Noord", "Factuur")
    assert (latest.channel, latest.direction) == ("phone", "in")
    assert latest.imported_by_import == customer_import
    assert latest.history.get().history_user == manager_user
    assert older.imported_by_import is None and not ContactMoment.objects.imported().filter(pk=older.pk).exists()
    assert not CheckIn.objects.exists()  # the default policy would plan day 3 and week 6 for a logged contact
    assert not Promise.objects.exists()
    desk.refresh_from_db()
    assert desk.last_contact_at == datetime(2024, 12, 31, 14, 5, tzinfo=AMSTERDAM)
    assert desk.last_contact_team.name == "Noord"


def test_importing_the_same_file_again_creates_nothing_new(manager_user, desk, django_capture_on_commit_callbacks):
    content = _csv([HEADER, _line(), _line(when="01-11-2024 9:00"), _line(channel="fax")])
    first = _import(manager_user, content, django_capture_on_commit_callbacks)
    assert (first.created, first.unchanged, first.failed) == (2, 0, 1)

    again = _import(manager_user, content, django_capture_on_commit_callbacks)

    assert (again.status, again.created, again.unchanged, again.failed) == ("done", 0, 2, 1)
    assert ContactMoment.objects.count() == 2
    assert ContactMoment.history.count() == 2


def test_a_dry_run_says_which_lines_were_imported_before(manager_user, desk, django_capture_on_commit_callbacks):
    _import(manager_user, _csv([HEADER, _line()]), django_capture_on_commit_callbacks)

    checked = _upload(manager_user, _csv([HEADER, _line(), _line(summary="Nieuw")]))

    assert [(row["line"], row["action"]) for row in checked.preview] == [(2, "unchanged"), (3, "create")]


def test_the_same_contact_twice_in_a_file_is_imported_once(manager_user, desk, django_capture_on_commit_callbacks):
    content = _csv([HEADER, _line(), _line(number="", email="jan@example.com")])

    customer_import = _import(manager_user, content, django_capture_on_commit_callbacks)

    assert _problems(customer_import) == [(3, "summary", "The same contact is also on line 2.")]
    assert ContactMoment.objects.count() == 1


def test_a_contact_of_a_merged_customer_goes_to_the_one_that_stayed(
    manager_user, desk, django_capture_on_commit_callbacks
):
    if not hasattr(Customer, "merged_into"):
        pytest.skip("merging customers is not built in this tree")
    absorbed = CustomerFactory(customer_number="K7")
    Customer.objects.filter(pk=absorbed.pk).update(merged_into=desk)

    _import(manager_user, _csv([HEADER, _line(number="K7")]), django_capture_on_commit_callbacks)

    assert ContactMoment.objects.get().customer == desk


def test_a_batch_failing_halfway_keeps_earlier_batches_and_a_second_run_resumes(
    manager_user, desk, monkeypatch, django_capture_on_commit_callbacks
):
    content = _csv([HEADER] + [_line(summary=f"Contact {n}") for n in range(1, 8)])
    customer_import = _upload(manager_user, content)
    with django_capture_on_commit_callbacks(execute=True):
        imports.customer_import_start(customer_import=customer_import, actor=manager_user)
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)
    real_apply = import_history.apply
    calls = []

    def apply_failing_second(lines, **kwargs):
        calls.append(len(lines))
        real_apply(lines, **kwargs)
        if len(calls) == 2:
            raise OSError("connection lost")  # after writing half a batch

    monkeypatch.setattr(import_history, "apply", apply_failing_second)

    with pytest.raises(OSError, match="connection lost"):
        imports.customer_import_run(import_id=customer_import.pk)

    customer_import.refresh_from_db()
    assert ContactMoment.objects.count() == 3  # the second batch rolled back whole
    assert (customer_import.status, customer_import.processed_rows, customer_import.stop_reason) == (
        "failed",
        3,
        "line 5: OSError",
    )

    customer_import_task.apply(args=[customer_import.pk]).get()  # the retry

    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.processed_rows, customer_import.created) == ("done", 7, 7)
    assert sorted(ContactMoment.objects.values_list("summary", flat=True)) == [f"Contact {n}" for n in range(1, 8)]


def test_the_dry_run_reads_a_constant_number_of_queries_per_batch(manager_user, desk, django_assert_max_num_queries):
    customers = [CustomerFactory(customer_number=f"K{n}") for n in range(100, 160)]
    content = _csv([HEADER] + [_line(number=c.customer_number, summary=f"Contact {c.pk}") for c in customers])

    with django_assert_max_num_queries(12):
        customer_import = _upload(manager_user, content)

    assert customer_import.created == 60


# --- Big files: the dry run in the worker ------------------------------------------------


@override_settings(IMPORT_DRY_RUN_INLINE_MAX_LINES=3)
def test_a_file_above_the_threshold_is_checked_by_the_task(manager_user, desk, django_capture_on_commit_callbacks):
    content = _csv([HEADER] + [_line(summary=f"Contact {n}") for n in range(1, 5)] + [_line(channel="fax")])

    with django_capture_on_commit_callbacks(execute=True) as published:
        customer_import = _upload(manager_user, content)

    assert len(published) == 1  # the check task, queued after the upload committed
    assert (customer_import.status, customer_import.total, customer_import.preview) == ("checking", 5, [])
    with pytest.raises(ValidationError, match="still being checked"):
        imports.customer_import_start(customer_import=customer_import, actor=manager_user)

    assert customer_import_check_task(customer_import.pk) == 5

    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.created, customer_import.failed) == ("checked", 4, 1)
    assert (customer_import.processed_rows, len(customer_import.preview)) == (0, 5)
    assert _problems(customer_import)[0][:2] == (6, "channel")
    assert not ContactMoment.objects.exists()
    assert customer_import_check_task(customer_import.pk) == 5  # a redelivered task changes nothing


@override_settings(IMPORT_DRY_RUN_INLINE_MAX_LINES=2)
def test_a_big_customer_file_is_checked_by_the_task_too(manager_user, django_capture_on_commit_callbacks):
    content = _csv(["Klantnummer;Naam;Telefoon", "K1;Een;06 11111111", "K2;Twee;0612", "K3;Drie;"])
    with django_capture_on_commit_callbacks(execute=True):
        customer_import = _upload(manager_user, content, name="klanten.csv", kind=CustomerImport.Kind.CUSTOMERS)
    assert customer_import.status == "checking"

    customer_import_check_task(customer_import.pk)

    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.created, customer_import.failed) == ("checked", 2, 1)
    assert not Customer.objects.exists()


@override_settings(IMPORT_DRY_RUN_INLINE_MAX_LINES=1)
def test_changing_the_columns_of_a_big_file_checks_it_in_the_worker_again(manager_user, desk):
    customer_import = _upload(manager_user, _csv([HEADER, _line(), _line(summary="Twee")]))
    customer_import_check_task(customer_import.pk)
    customer_import.refresh_from_db()
    mapping = {**customer_import.mapping, "8": ""}

    imports.customer_import_map(customer_import=customer_import, actor=manager_user, mapping=mapping)

    customer_import.refresh_from_db()
    assert customer_import.status == "checking"
    customer_import_check_task(customer_import.pk)
    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.mapping["8"], customer_import.created) == ("checked", "", 2)


@override_settings(IMPORT_DRY_RUN_INLINE_MAX_LINES=1)
def test_the_page_follows_the_check_and_reloads_when_it_is_done(manager_client, manager_user, desk):
    customer_import = _upload(manager_user, _csv([HEADER, _line(), _line(summary="Twee")]))
    progress = reverse("contacts:customer-import-progress", args=[customer_import.pk])

    page = manager_client.get(customer_import.get_absolute_url())
    polling = manager_client.get(progress, HTTP_HX_REQUEST="true")
    customer_import_check_task(customer_import.pk)
    done = manager_client.get(progress, HTTP_HX_REQUEST="true")
    checked = manager_client.get(customer_import.get_absolute_url())

    assert "Checking (dry run)" in page.content.decode()
    assert 'hx-trigger="every 1s"' in polling.content.decode()
    assert done.headers["HX-Refresh"] == "true"
    assert "Dry run of 2 lines: 2 new contacts, 0 imported before, 0 lines refused." in checked.content.decode()


@override_settings(IMPORT_DRY_RUN_INLINE_MAX_LINES=1)
def test_a_check_that_stopped_can_be_started_again(manager_client, manager_user, desk, monkeypatch):
    customer_import = _upload(manager_user, _csv([HEADER, _line(), _line(summary="Twee")]))

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(imports, "customer_import_headers", broken)
    with pytest.raises(OSError):
        imports.customer_import_check(import_id=customer_import.pk)
    page = manager_client.get(customer_import.get_absolute_url()).content.decode()
    monkeypatch.undo()
    response = manager_client.post(reverse("contacts:customer-import-check", args=[customer_import.pk]))
    customer_import_check_task(customer_import.pk)

    assert "The check stopped (OSError). Nothing was stored." in page
    assert response.status_code == 302
    customer_import.refresh_from_db()
    assert (customer_import.status, customer_import.stop_reason, customer_import.created) == ("checked", "", 2)


REDIS_URL = redis_test_url()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@override_settings(IMPORT_DRY_RUN_INLINE_MAX_LINES=2)
def test_a_real_worker_checks_a_big_file(tmp_path, manager_user):
    if not redis_reachable(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    TopicFactory(name="Factuur")
    CustomerFactory(customer_number="K1")
    content = _csv([HEADER] + [_line(summary=f"Contact {n}") for n in range(1, 6)] + [_line(number="K404")])
    worker = Worker(tmp_path, REDIS_URL).start_without_beat()
    try:
        with broker(REDIS_URL):
            customer_import = _upload(manager_user, content)  # not in a test transaction: published on commit
        assert customer_import.status == "checking"
        checked = wait_for(
            lambda: CustomerImport.objects.filter(pk=customer_import.pk, status="checked").first(), worker=worker
        )
    finally:
        worker.stop()

    assert (checked.total, checked.created, checked.failed) == (6, 5, 1)
    assert checked.errors[0]["message"] == "No customer has customer number K404. Import the customers first."
    assert not ContactMoment.objects.exists()


# --- The screens -----------------------------------------------------------------------


def test_a_manager_uploads_contact_history_and_sees_the_imported_badge(
    manager_client, manager_user, desk, django_capture_on_commit_callbacks
):
    upload = io.BytesIO(_csv([HEADER, _line(), _line(topic="Onbekend")]))
    upload.name = "contacten.csv"

    page = manager_client.post(reverse("contacts:customer-import"), {"kind": "contacts", "file": upload}, follow=True)
    customer_import = CustomerImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("contacts:customer-import-start", args=[customer_import.pk]))
    customer_import_task(customer_import.pk)
    customer_page = manager_client.get(desk.get_absolute_url()).content.decode()

    html = page.content.decode()
    assert "Import contact history: contacten.csv" in html
    assert "Dry run of 2 lines: 1 new contacts, 0 imported before, 1 lines refused." in html
    assert "There is no topic called “Onbekend”." in html
    assert customer_page.count("imported-badge") == 1


def test_a_refused_line_of_a_file_without_every_key_column_is_shown(manager_client, desk):
    upload = io.BytesIO(_csv(["Datum;Kanaal;Richting;Samenvatting;Telefoon", "gisteren;fax;in;Belde;06 12345678"]))
    upload.name = "contacten.csv"

    response = manager_client.post(
        reverse("contacts:customer-import"), {"kind": "contacts", "file": upload}, follow=True
    )

    assert response.status_code == 200
    assert "refused, see below" in response.content.decode()
    assert "“fax” is not a channel." in response.content.decode()


def test_a_contact_logged_at_the_desk_has_no_imported_badge(manager_client, desk):
    ContactMomentFactory(customer=desk)

    assert "imported-badge" not in manager_client.get(desk.get_absolute_url()).content.decode()


def test_an_unknown_kind_is_a_form_error(manager_client):
    upload = io.BytesIO(_csv([HEADER, _line()]))
    upload.name = "contacten.csv"

    response = manager_client.post(reverse("contacts:customer-import"), {"kind": "orders", "file": upload})

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_staff_may_not_start_a_check_again(staff_client, manager_user, desk):
    customer_import = _upload(manager_user, _csv([HEADER, _line()]))

    response = staff_client.post(reverse("contacts:customer-import-check", args=[customer_import.pk]))

    assert response.status_code == 403

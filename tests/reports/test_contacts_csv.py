"""The contacts of a week as CSV: PostgreSQL's COPY and the Python path give the same rows, formulas neutralised."""

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from contactcare.spreadsheets import safe_cell
from contacts.models import ContactMoment, CustomerImport
from reports import exports
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, TopicFactory, UserFactory
from .conftest import W45, at

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


def _rows(chunks) -> list[list[str]]:
    text = "".join(chunk.decode() if isinstance(chunk, bytes) else chunk for chunk in chunks)
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))  # the download's BOM


def _python(week, team=None):
    return _rows(exports._contacts_python(week, team, csv.writer(exports._Echo())))


def _copy(week, team=None):
    return _rows(exports._contacts_copy(week, team, "default"))


@postgresql_only
@pytest.mark.parametrize("language", ["en", "nl"])
def test_copy_gives_the_python_paths_rows_on_the_hand_counted_week(week, language):
    with translation.override(language):
        python, copied = _python(W45), _copy(W45)

    assert len(copied) == 6
    assert copied == python


@postgresql_only
def test_copy_gives_one_teams_rows_like_the_python_path(week):
    north = week[0]

    assert _copy(W45, north) == _python(W45, north)
    assert len(_copy(W45, north)) == 5


@postgresql_only
@pytest.mark.parametrize("label", ["2026-W13", "2026-W43"])
def test_copy_gives_each_local_time_its_own_offset_in_a_week_that_changes_the_clocks(label):
    week = IsoWeek.parse(label)  # summer time starts on its Sunday (W13) or ends (W43)
    sunday = week.monday + timedelta(days=6)
    for hour in (0, 1, 2, 3, 4, 12):  # around the change (01:00 UTC), and a whole hour on either side
        ContactMomentFactory(occurred_at=datetime.combine(sunday, time(hour), tzinfo=UTC))
    ContactMomentFactory(occurred_at=datetime.combine(sunday, time(0, 59, 59, 999999), tzinfo=UTC))
    ContactMomentFactory(occurred_at=week.start)

    copied = _copy(week)

    assert copied == _python(week)
    assert len({row[0][-6:] for row in copied}) == 2


HOSTILE = ["=1+1", "+31 6 1234", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@postgresql_only
@pytest.mark.parametrize("value", HOSTILE)
def test_copy_neutralises_every_typed_text_that_starts_like_a_formula(value):
    ContactMomentFactory(
        customer=CustomerFactory(customer_number=value),
        occurred_at=at((11, 3), 10),
        topic=TopicFactory(name=f"{value} topic"),
        team=TeamFactory(name=f"{value} team"),
        logged_by=UserFactory(username="anna", first_name=value, last_name="de Vries"),
    )

    row = _copy(W45)[0]

    assert (row[1], row[4], row[5]) == ("'" + value, f"'{value} team", f"'{value} topic")
    assert row[13] == safe_cell(f"{value} de Vries".strip())  # a name is shown trimmed, as in the app
    assert [row] == _python(W45)


@postgresql_only
def test_copy_writes_a_missing_team_topic_and_name_as_empty_cells_like_the_python_path():
    ContactMomentFactory(
        occurred_at=at((11, 3), 10),
        team=None,
        topic=None,
        logged_by=UserFactory(username="x", first_name="", last_name=""),
    )

    row = _copy(W45)[0]

    assert (row[4], row[5], row[13]) == ("", "", "x")
    assert [row] == _python(W45)


def test_an_imported_contact_says_so_in_the_last_column(week, manager_user, manager_client):
    source = CustomerImport.objects.create(actor=manager_user, file_name="history.csv", content=b"", format="csv")
    ContactMoment.objects.filter(channel="chat").update(imported_by_import=source)

    response = manager_client.get(
        reverse("reports:contacts-csv"), {"week": W45.label}, headers={"Accept-Language": "en"}
    )

    rows = _rows(response.streaming_content)
    assert rows[0][-1] == "Imported"
    assert [row[-1] for row in rows[1:]].count("Yes") == 1
    assert [row[-1] for row in rows[1:]].count("No") == 5


def test_the_download_streams_its_header_before_any_row(week, manager_client):
    response = manager_client.get(
        reverse("reports:contacts-csv"), {"week": W45.label}, headers={"Accept-Language": "en"}
    )

    first = next(iter(response.streaming_content))
    assert (first.decode() if isinstance(first, bytes) else first).startswith("\ufeffWhen,Customer number,")

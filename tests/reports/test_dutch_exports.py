"""Issue 14: CSV downloads a Dutch desk can open in Excel: a BOM, ";" (the default in Dutch) or ",", labels
instead of codes, display names instead of usernames, the team in the file name."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from reports import exports

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, UserFactory
from .conftest import W45, at

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.fixture
def desk(db):
    team = TeamFactory(name="Team Noord-Holland · één")
    person = UserFactory(username="avdvries", first_name="Anna", last_name="de Vries")
    ContactMomentFactory(
        customer=CustomerFactory(), occurred_at=at((11, 3), 10), team=team, logged_by=person,
        channel="email", direction="in", sentiment_start=2, sentiment_end=4,
    )  # fmt: skip
    return team


@pytest.mark.parametrize("name", ["reports:weekly-csv", "reports:contacts-csv"])
@pytest.mark.parametrize(("headers", "first_line"), [(NL, ";"), (EN, ",")])
def test_a_csv_starts_with_a_bom_and_is_separated_as_excel_in_the_users_language_expects(
    manager_client, desk, name, headers, first_line
):
    body = _body(manager_client.get(reverse(name), {"week": W45.label}, headers=headers))

    assert body.startswith("\ufeff")
    header = body[1:].splitlines()[0]
    assert first_line in header
    assert {";": ",", ",": ";"}[first_line] not in header


@pytest.mark.parametrize(("sep", "delimiter"), [("semicolon", ";"), ("comma", ",")])
def test_the_separator_chosen_on_the_page_wins_over_the_language(manager_client, desk, sep, delimiter):
    body = _body(manager_client.get(reverse("reports:contacts-csv"), {"week": W45.label, "sep": sep}, headers=NL))

    rows = list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=delimiter))
    assert rows[0][:3] == ["Wanneer", "Klantnummer", "Kanaal"]
    assert len(rows) == 2


def test_the_contacts_csv_has_labels_and_display_names_in_the_users_language(manager_client, desk):
    body = _body(manager_client.get(reverse("reports:contacts-csv"), {"week": W45.label}, headers=NL))

    row = next(csv.reader(io.StringIO(body[1:].splitlines()[1]), delimiter=";"))
    assert row[2:4] == ["E-mail", "Inkomend"]
    assert row[13] == "Anna de Vries"
    assert "avdvries" not in body and ";email;" not in body and ";in;" not in body


def test_the_report_csv_names_its_units_instead_of_their_codes(manager_client, desk):
    body = _body(manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN))

    rows = list(csv.reader(io.StringIO(body[1:], newline="")))
    units = {row[2]: row[5] for row in rows[1:] if row[0] == "All teams"}
    assert (units["contacts"], units["repeat_rate"], units["sentiment_start_avg"]) == ("count", "%", "average, 1 to 5")
    assert units["handover_wait_median"] == "business hours"


@pytest.mark.parametrize(
    ("name", "extension", "prefix"),
    [
        ("reports:weekly-csv", "csv", "contactcare"),
        ("reports:weekly-xlsx", "xlsx", "contactcare"),
        ("reports:contacts-csv", "csv", "contactcare-contacts"),
    ],
)
def test_the_file_name_has_the_week_and_the_team(manager_client, desk, name, extension, prefix):
    one = manager_client.get(reverse(name), {"week": W45.label, "team": desk.pk}, headers=EN)
    every = manager_client.get(reverse(name), {"week": W45.label}, headers=EN)

    assert f'filename="{prefix}-2026-W45-team-team-noord-holland-een.{extension}"' in one["Content-Disposition"]
    assert f'filename="{prefix}-2026-W45.{extension}"' in every["Content-Disposition"]


def test_a_team_name_without_a_letter_or_digit_of_ascii_is_named_by_its_number(manager_client):
    team = TeamFactory(name="東京")

    response = manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label, "team": team.pk}, headers=EN)

    assert f'filename="contactcare-2026-W45-team-{team.pk}.csv"' in response["Content-Disposition"]


@postgresql_only
@pytest.mark.parametrize("language", ["en", "nl"])
def test_copy_with_semicolons_gives_the_python_paths_rows(week, language):
    def rows(chunks):
        return list(csv.reader(io.StringIO("".join(chunks), newline=""), delimiter=";"))

    with translation.override(language):
        copied = rows(exports._contacts_copy(W45, None, "default", ";"))
        python = rows(exports._contacts_python(W45, None, csv.writer(exports._Echo(), delimiter=";")))

    assert len(copied) == 6
    assert copied == python


@postgresql_only
def test_copy_takes_no_other_separator_than_the_two_offered():
    with pytest.raises(ValueError):
        list(exports._contacts_copy(W45, None, "default", "'"))


def test_a_team_name_that_starts_like_a_formula_is_neutralised_with_semicolons_too(manager_client):
    TeamFactory(name="=HYPERLINK(1;2)")

    body = _body(manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label, "sep": "semicolon"}))

    rows = list(csv.reader(io.StringIO(body[1:], newline=""), delimiter=";"))
    assert {row[0] for row in rows[1:]} >= {"'=HYPERLINK(1;2)"}

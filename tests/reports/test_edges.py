"""The report at the edges: weeks at the end of the calendar, hostile parameters, formulas in exports.

New names (the form, the export helper, the supported range) are imported
inside the tests that use them, so each test fails on its own when they are missing.
"""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from contactcare import roles
from reports.models import ReportDownload
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, TopicFactory, UserFactory
from .conftest import W45, at

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
DOWNLOADS = ["reports:weekly-csv", "reports:weekly-xlsx", "reports:contacts-csv"]
EVERY_URL = ["reports:weekly", *DOWNLOADS]
FORMULA_STARTS = ["=1+1", "+31 6 1234", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _get(client, name, params, headers=EN):
    return client.get(reverse(name), params, headers=headers)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"), newline="")))


# --- Weeks at the edge of the calendar ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", EVERY_URL)
@pytest.mark.parametrize("label", ["0001-W01", "9999-W52"])
def test_a_week_at_the_edge_of_the_calendar_is_refused_with_400(manager_client, name, label):
    response = _get(manager_client, name, {"week": label})

    assert response.status_code == 400
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
def test_the_contacts_csv_of_the_last_calendar_week_never_starts_streaming(manager_client):
    response = _get(manager_client, "reports:contacts-csv", {"week": "9999-W52"})

    assert response.status_code == 400
    assert not response.streaming
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", EVERY_URL)
def test_a_week_before_the_earliest_contact_date_is_refused(manager_client, name):
    response = _get(manager_client, name, {"week": "1999-W30"})  # CONTACT_EARLIEST_DATE is 2000-01-01

    assert response.status_code == 400
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
def test_the_first_supported_week_follows_the_earliest_date_setting(manager_client, settings):
    settings.CONTACT_EARLIEST_DATE = date(2020, 6, 1)

    response = _get(manager_client, "reports:weekly", {"week": "2019-W52"})

    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("name", EVERY_URL)
def test_a_week_after_2100_is_refused(manager_client, name):
    response = _get(manager_client, name, {"week": "2101-W01"})

    assert response.status_code == 400
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
def test_the_trend_of_the_first_supported_week_stays_in_the_range(manager_client):
    response = _get(manager_client, "reports:weekly", {"week": "2000-W01"})

    assert response.status_code == 200
    assert [week.label for week, _ in response.context["report"].trend] == ["2000-W01"]
    assert response.context["report"].previous == IsoWeek(2000, 1)


def test_the_last_supported_week_has_no_week_after_it():
    from reports.weeks import LAST_YEAR

    last = IsoWeek.parse(f"{LAST_YEAR}-W52")

    assert last.following() == last
    assert last.end.date() == date(LAST_YEAR + 1, 1, 3)


# --- Parameters parsed by form fields -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", EVERY_URL)
def test_a_unicode_digit_as_team_is_refused_with_400(manager_client, name):
    TeamFactory()

    response = _get(manager_client, name, {"team": "²"})  # passes str.isdigit(), int() refuses it

    assert response.status_code == 400
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("team", ["0", "-1", "abc", str(2**63), "1\x00"])
def test_a_team_that_is_not_a_positive_bigint_is_refused_with_400(manager_client, team):
    response = _get(manager_client, "reports:contacts-csv", {"team": team})

    assert response.status_code == 400
    assert not response.streaming
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", EVERY_URL)
def test_a_week_that_does_not_exist_is_refused_with_400(manager_client, name):
    response = _get(manager_client, name, {"week": "2026-W99"})

    assert response.status_code == 400
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
def test_a_nul_byte_in_the_week_is_refused_with_400(manager_client):
    response = _get(manager_client, "reports:weekly-csv", {"week": f"{W45.label}\x00"})

    assert response.status_code == 400
    assert not ReportDownload.objects.exists()


@pytest.mark.django_db
def test_a_refused_team_is_explained_in_the_users_language(manager_client):
    with translation.override("nl"):
        expected = translation.gettext("Choose one of the teams in the list.")

    response = _get(manager_client, "reports:weekly", {"team": "²"}, headers=NL)

    assert response.status_code == 400
    assert expected in response.content.decode()
    assert '<html lang="nl">' in response.content.decode()


@pytest.mark.django_db
def test_a_refused_week_names_the_supported_range(manager_client):
    response = _get(manager_client, "reports:weekly", {"week": "9999-W52"})

    assert response.status_code == 400
    assert "Choose a week from 2000-W01 to 2100-W52" in response.content.decode()


@pytest.mark.django_db
def test_a_lead_gets_400_for_a_unicode_digit_team_rather_than_their_own_team(client):
    lead = UserFactory(username="lotte", role=roles.TEAM_LEAD)
    TeamFactory(lead=lead)
    client.force_login(lead)

    response = _get(client, "reports:weekly", {"team": "²"})

    assert response.status_code == 400


def test_the_scope_form_reads_a_week_and_a_team():
    from reports.forms import ReportScopeForm

    form = ReportScopeForm({"week": " 2026-w45 ", "team": "7"})

    assert form.is_valid()
    assert form.cleaned_data == {"week": W45, "team": 7, "sep": ""}  # no separator chosen: the language's


# --- Formula injection in exports -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", FORMULA_STARTS)
def test_the_contacts_csv_neutralises_a_customer_number_that_starts_like_a_formula(manager_client, value):
    ContactMomentFactory(customer=CustomerFactory(customer_number=value), occurred_at=at((11, 3), 10))

    rows = _csv(_get(manager_client, "reports:contacts-csv", {"week": W45.label}))

    assert rows[1][1] == "'" + value


@pytest.mark.django_db
def test_the_contacts_csv_neutralises_topic_team_and_name(manager_client):
    ContactMomentFactory(
        occurred_at=at((11, 3), 10),
        topic=TopicFactory(name="@SUM(A1)"),
        team=TeamFactory(name="=HYPERLINK(1)"),
        logged_by=UserFactory(username="anna", first_name="-Anna", last_name="de Vries"),
    )

    row = _csv(_get(manager_client, "reports:contacts-csv", {"week": W45.label}))[1]

    assert (row[4], row[5], row[13]) == ("'=HYPERLINK(1)", "'@SUM(A1)", "'-Anna de Vries")


@pytest.mark.django_db
def test_the_report_csv_neutralises_a_team_name_that_starts_like_a_formula(manager_client):
    TeamFactory(name="+cmd|' /C calc'!A0")

    rows = _csv(_get(manager_client, "reports:weekly-csv", {"week": W45.label}))

    assert {row[0] for row in rows[1:]} == {"All teams", "'+cmd|' /C calc'!A0"}


@pytest.mark.django_db
def test_the_xlsx_neutralises_a_team_name_that_starts_like_a_formula(manager_client):
    TeamFactory(name="=1+1")

    response = _get(manager_client, "reports:weekly-xlsx", {"week": W45.label})

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[1]
    assert sheet["B1"].value == "'=1+1"
    assert sheet["B1"].data_type == "s"


def test_the_export_helper_leaves_numbers_and_ordinary_text_alone():
    from contactcare.spreadsheets import safe_cell

    assert [safe_cell(v) for v in (-3, 2.5, None, True, "T0000001", "Noord")] == [
        -3,
        2.5,
        None,
        True,
        "T0000001",
        "Noord",
    ]


# --- Properties of IsoWeek.parse ------------------------------------------------------


def _usable(week: IsoWeek) -> None:
    """Every date the report derives from a parsed week exists, and stays in the supported range."""
    assert week.start < week.end
    assert IsoWeek.first() <= week.previous(12) <= week <= IsoWeek.last()
    assert week.following() <= IsoWeek.last()


@hypothesis_settings(database=None, max_examples=300, deadline=None)
@given(st.text() | st.from_regex(r"\A\s*[0-9]{4}-[wW][0-9]{1,2}\s*\Z"))
@example("9999-W52")
@example("0001-W01")
def test_parse_of_any_text_is_none_or_a_usable_week(label):
    week = IsoWeek.parse(label)

    if week is not None:
        _usable(week)


@hypothesis_settings(database=None, max_examples=500, deadline=None)
@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=54))
@example(1, 1)
@example(9999, 52)
@example(1999, 52)
@example(2000, 1)
@example(2100, 52)
@example(2100, 53)
def test_parse_of_any_year_and_week_number_is_none_or_a_usable_week(year, number):
    week = IsoWeek.parse(f"{year:04d}-W{number:02d}")

    if week is not None:
        _usable(week)

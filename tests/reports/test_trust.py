"""Issue 14, figures a manager can trust: rounding half up, one meaning of "due", reschedules, a "no team" row.

Every expected number below was counted by hand from the data each test creates.
"""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from contacts.models import ContactMoment
from followups import services as followup_services
from followups.models import CheckIn, Promise
from reports.figures import BY_KEY, half_up
from reports.selectors import report_tables, weekly_report

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory
from .conftest import NOW, W45, at

EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if text.count(";") > text.count(",") else ","))


# --- Rounding half up ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "places", "shown"),
    [
        (25, 8, 2, "3.13"),  # 3.125: round() gave 3.12 (half to even)
        (23, 8, 2, "2.88"),  # 2.875
        (21, 8, 2, "2.63"),  # 2.625: round() gave 2.62
        (1225, 100, 1, "12.3"),  # 12.25 %: round() gave 12.2
        (1, 40, 2, "0.03"),  # 0.025
        (1, 3, 2, "0.33"),
        (2, 3, 2, "0.67"),
        (5, 1, 2, "5.00"),
    ],
)
def test_half_up_rounds_exact_halves_up(numerator, denominator, places, shown):
    assert str(half_up(numerator, denominator, places=places)) == shown


def test_every_share_average_and_median_rounds_half_up():
    raw = {
        "sentiment_start_sum": 25, "sentiment_end_sum": 23, "contacts": 8,  # 3.125 and 2.875
        "repeat": 49, "inbound": 400,  # 12.25 %
        "helped_yes": 1, "helped_asked": 16,  # 6.25 %
        "ended_better": 1, "callbacks_on_time": 1, "callbacks_due": 8,  # 12.5 % (already one decimal)
        "handover_waits": [1.25, 0.5, 3.0],  # median 1.25 h
    }  # fmt: skip

    def value(key):
        return BY_KEY[key].value(raw)

    # compared as text: the float handed on prints as the decimal it was rounded to
    assert repr(value("sentiment_start_avg")) == "3.13"
    assert repr(value("sentiment_end_avg")) == "2.88"
    assert repr(value("repeat_rate")) == "12.3"
    assert repr(value("helped_share")) == "6.3"
    assert repr(value("ended_better_share")) == "12.5"
    assert repr(value("callbacks_on_time_share")) == "12.5"
    assert repr(value("handover_wait_median")) == "1.3"


@pytest.fixture
def half_week(db):
    """Eight contacts of one team in week 45: sentiment at start 7 × 3 + 4 = 25 (3.125), at end 7 × 3 + 2 = 23
    (2.875)."""
    team = TeamFactory(name="Noord-Holland")
    person = UserFactory(first_name="Anna", last_name="de Vries", username="anna")
    for n in range(8):
        ContactMomentFactory(
            customer=CustomerFactory(),
            occurred_at=at((11, 3), 9 + n),
            team=team,
            logged_by=person,
            channel="phone",
            sentiment_start=4 if n == 0 else 3,
            sentiment_end=2 if n == 0 else 3,
        )
    return team


@pytest.mark.django_db
def test_the_page_the_csv_and_the_xlsx_show_an_exact_half_rounded_up(manager_client, half_week):
    page = manager_client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN).content.decode()
    rows = _csv_rows(manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN))
    book = load_workbook(
        io.BytesIO(
            b"".join(
                manager_client.get(reverse("reports:weekly-xlsx"), {"week": W45.label}, headers=EN).streaming_content
            )
        )
    )

    assert 'data-value="3.13"' in page and 'data-value="2.88"' in page
    in_csv = {row[2]: row[3] for row in rows[1:] if row[0] == "All teams"}
    assert (in_csv["sentiment_start_avg"], in_csv["sentiment_end_avg"]) == ("3.13", "2.88")
    in_xlsx = {row[4]: row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert (in_xlsx["sentiment_start_avg"], in_xlsx["sentiment_end_avg"]) == (3.13, 2.88)


@pytest.mark.django_db
def test_the_dutch_page_and_csv_write_the_rounded_half_with_a_decimal_comma(manager_client, half_week):
    page = manager_client.get(reverse("reports:weekly"), {"week": W45.label}, headers=NL).content.decode()
    rows = _csv_rows(manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=NL))

    assert ">3,13<" in page and ">2,88<" in page
    in_csv = {row[2]: row[3] for row in rows[1:] if row[0] == "Alle teams"}
    assert (in_csv["sentiment_start_avg"], in_csv["sentiment_end_avg"]) == ("3,13", "2,88")


# --- One meaning of "due" -------------------------------------------------------------------------


@pytest.mark.django_db
def test_due_leaves_out_what_was_no_longer_owed_for_every_kind(week):
    team = week[0]
    moment = ContactMomentFactory(customer=CustomerFactory(), occurred_at=at((10, 30), 9), team=team)
    # Two callbacks and two reply-by promises due in week 45, one of each cancelled.
    for kind in (Promise.Kind.CALLBACK, Promise.Kind.REPLY):
        PromiseFactory(kind=kind, moment=moment, team=team, due_at=at((11, 4), 10))
        PromiseFactory(kind=kind, moment=moment, team=team, due_at=at((11, 5), 10), status=Promise.Status.CANCELLED)

    report = weekly_report(week=W45, team=None, now=NOW, teams=list(week[:2]), with_people=False).current

    # conftest's week: check-ins due in week 45 are on time, late, overdue, superseded and skipped (5); still owed 3
    assert (report["checkins_due"], report["checkins_skipped"], report["checkins_superseded"]) == (3, 1, 1)
    assert report["checkins_due"] == report["checkins_on_time"] + report["checkins_late"] + report["checkins_overdue"]
    # promises due in week 45: kept, kept a minute late, broken, cancelled (4); still owed 3
    assert (report["promises_due"], report["cancelled"]) == (3, 1)
    assert report["promises_due"] == report["kept_on_time"] + report["kept_late"] + report["broken"]
    assert (report["callbacks_due"], report["replies_due"]) == (1, 1)


@translation.override("en")
def test_every_due_figure_says_what_it_leaves_out():
    for key, left_out in [
        ("checkins_due", "not skipped or superseded"),
        ("promises_due", "not cancelled"),
        ("callbacks_due", "not cancelled"),
        ("replies_due", "(not cancelled)"),
    ]:
        assert "still owed" in str(BY_KEY[key].definition), key
        assert left_out in str(BY_KEY[key].definition), key


# --- Reschedules ----------------------------------------------------------------------------------


@pytest.fixture
def sunday_before(monkeypatch):
    """Today is Sunday 1 November 2026 for the reschedules, which refuse a day before today."""
    real = timezone.localdate
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda value=None, *args: real(value, *args) if value else date(2026, 11, 1)
    )


def _checkin(team, due, **fields):
    origin = ContactMomentFactory(customer=CustomerFactory(), occurred_at=at((10, 20), 9), team=team)
    return CheckInFactory(origin=origin, due_date=due, team=team, kind="3d", **fields)


@pytest.mark.django_db
def test_a_check_in_moved_out_of_its_week_counts_there_as_rescheduled(manager_user, sunday_before):
    north, south = TeamFactory(name="Noord"), TeamFactory(name="Zuid")
    out_north = _checkin(north, date(2026, 11, 3))  # moved to week 46
    out_south = _checkin(south, date(2026, 11, 4))  # moved to week 47
    within = _checkin(north, date(2026, 11, 5))  # moved within week 45: not rescheduled out
    into = _checkin(north, date(2026, 11, 10))  # week 46 moved into week 45
    _checkin(north, date(2026, 11, 6))  # never moved
    twice = _checkin(north, date(2026, 11, 2))  # moved to week 46, then back to week 45: stays
    for checkin, day in [
        (out_north, (11, 10)),
        (out_south, (11, 17)),
        (within, (11, 6)),
        (into, (11, 4)),
        (twice, (11, 11)),
        (twice, (11, 6)),
    ]:
        followup_services.checkin_reschedule(
            checkin=checkin, due=date(2026, *day), reason="customer asked", actor=manager_user,
            non_business_day_ok=True,
        )  # fmt: skip

    report = weekly_report(week=W45, team=None, now=NOW, teams=[north, south], with_people=False)
    following = weekly_report(week=W45.following(), team=None, now=NOW, teams=[north, south], with_people=False)
    noord = weekly_report(week=W45, team=north, now=NOW, teams=[north, south], with_people=True)

    assert report.current["checkins_rescheduled"] == 2  # out_north and out_south
    assert {t.name: f["checkins_rescheduled"] for t, f in report.teams} == {"Noord": 1, "Zuid": 1}
    assert following.current["checkins_rescheduled"] == 1  # `into`, first due on 10 November
    # due in week 45 now: within, into, never moved, twice (all open, overdue on NOW)
    assert report.current["checkins_due"] == 4
    assert noord.current["checkins_rescheduled"] == 1
    assert CheckIn.objects.get(pk=twice.pk).first_due_date == date(2026, 11, 2)  # the first day, not the second


@pytest.mark.django_db
def test_a_rescheduled_check_in_of_a_deleted_contact_counts_nowhere(manager_user, sunday_before):
    team = TeamFactory()
    checkin = _checkin(team, date(2026, 11, 3))
    followup_services.checkin_reschedule(
        checkin=checkin, due=date(2026, 11, 10), reason="later", actor=manager_user, non_business_day_ok=True
    )
    ContactMoment.objects.filter(pk=checkin.origin_id).update(deleted_at=timezone.now())

    report = weekly_report(week=W45, team=None, now=NOW, teams=[team], with_people=False)

    assert report.current["checkins_rescheduled"] == 0


@pytest.mark.django_db
def test_rescheduled_is_in_the_csv_the_xlsx_definitions_and_the_mail(manager_client, week):
    rows = _csv_rows(manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN))
    book = load_workbook(
        io.BytesIO(
            b"".join(
                manager_client.get(reverse("reports:weekly-xlsx"), {"week": W45.label}, headers=EN).streaming_content
            )
        )
    )

    assert any(row[2] == "checkins_rescheduled" for row in rows)
    assert any(row[1] == "checkins_rescheduled" for row in book["Definitions"].iter_rows(values_only=True))


# --- A "no team" row --------------------------------------------------------------------------------


@pytest.fixture
def with_no_team(week):
    """conftest's week, plus two contacts of week 45 logged without a team (one inbound repeat of the other,
    two days later) and a promise made in the first one, broken."""
    loner = UserFactory(username="loner")
    customer = CustomerFactory()
    first = ContactMomentFactory(customer=customer, occurred_at=at((11, 2), 11), team=None, logged_by=loner)
    ContactMomentFactory(customer=customer, occurred_at=at((11, 4), 11), team=None, logged_by=loner)
    PromiseFactory(moment=first, team=None, owner=loner, due_at=at((11, 5), 12))
    return week


@pytest.mark.django_db
def test_the_teams_and_the_no_team_row_add_up_to_all_teams(with_no_team):
    north, south, _ = with_no_team
    report = weekly_report(week=W45, team=None, now=NOW, teams=[north, south], with_people=False)

    rows = {(team.name if team else None): figures for team, figures in report.teams}
    assert list(rows) == ["Noord", "Zuid", None]
    # contacts: Noord 5, Zuid 1, no team 2 = all 8 (conftest's 6 and these 2)
    assert [rows[k]["contacts"] for k in ("Noord", "Zuid", None)] == [5, 1, 2]
    assert report.current["contacts"] == 8
    assert rows[None]["repeat_rate"] == 50.0  # 1 repeat of 2 inbound
    assert rows[None]["broken"] == 1
    assert report.current["broken"] == 2  # conftest's one and this one
    for key in ("contacts", "complaints", "checkins_overdue", "broken"):
        assert sum(figures[key] for figures in rows.values()) == report.current[key], key


@pytest.mark.django_db
def test_the_no_team_row_is_in_the_page_the_csv_the_xlsx_and_the_mail_tables(manager_client, with_no_team):
    north, south, _ = with_no_team
    with translation.override("en"):
        tables = report_tables(week=W45, now=NOW, teams=[north, south])
    page = manager_client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN).content.decode()
    rows = _csv_rows(manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN))
    book = load_workbook(
        io.BytesIO(
            b"".join(
                manager_client.get(reverse("reports:weekly-xlsx"), {"week": W45.label}, headers=EN).streaming_content
            )
        )
    )

    assert [scope for scope, _, _ in tables] == ["All teams", "Noord", "Zuid", "No team"]
    assert [current["contacts"] for _, current, _ in tables] == [8, 5, 1, 2]
    assert 'class="no-team"' in page
    assert {row[0] for row in rows[1:]} == {"All teams", "Noord", "Zuid", "No team"}
    assert book.sheetnames == ["All teams", "Noord", "Zuid", "No team", "Definitions"]


@pytest.mark.django_db
def test_one_teams_download_has_no_no_team_rows(manager_client, with_no_team):
    rows = _csv_rows(
        manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label, "team": with_no_team[0].pk}, headers=EN)
    )

    assert {row[0] for row in rows[1:]} == {"Noord"}


@pytest.mark.django_db
def test_without_anything_teamless_there_is_no_no_team_row(week):
    with translation.override("en"):
        tables = report_tables(week=W45, now=NOW, teams=list(week[:2]))

    assert [scope for scope, _, _ in tables] == ["All teams", "Noord", "Zuid"]


@pytest.mark.django_db
def test_the_monday_mail_has_the_no_team_row_and_the_reschedules(with_no_team, settings):
    from contactcare import roles
    from followups.models import Notification
    from reports import services

    UserFactory(username="maria", email="maria@example.com", role=roles.MANAGER)
    monday_after_45 = at((11, 9), 8)  # Monday 9 November, 08:00: week 45's e-mail goes out

    assert services.weekly_report_mails_create(now=monday_after_45) == 1
    mail = Notification.objects.get(kind=Notification.Kind.WEEKLY_REPORT)
    # in the desk's language (Dutch): the teams, then "Geen team" with its 2 contacts
    assert "Geen team\n- Contacten: 2 (" in mail.body
    assert "Check-ins verzet: 0" in mail.body
    assert '<th scope="row">Geen team</th><td>2</td>' in mail.html_body


@pytest.mark.django_db
def test_the_migration_gives_a_check_in_rescheduled_before_it_its_first_due_date(manager_user, sunday_before):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("followups.migrations.0014_checkin_first_due_date")
    team = TeamFactory()
    moved, kept = _checkin(team, date(2026, 11, 3)), _checkin(team, date(2026, 11, 4))
    for day in ((11, 10), (11, 12)):  # moved twice: the first day is the one it was planned for
        followup_services.checkin_reschedule(
            checkin=moved, due=date(2026, *day), reason="later", actor=manager_user, non_business_day_ok=True
        )
    CheckIn.objects.update(first_due_date=None)  # as before the field existed

    migration.first_due_dates_fill(apps, None)

    assert CheckIn.objects.get(pk=moved.pk).first_due_date == date(2026, 11, 3)
    assert CheckIn.objects.get(pk=kept.pk).first_due_date is None  # never moved

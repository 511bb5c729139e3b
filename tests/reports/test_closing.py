"""Closed weeks: the Monday figures kept, the e-mail built from them, and what changed since on the page.

The week is conftest's hand-built week 45 of 2026 (Monday 2 to Sunday 8
November); it closes on Monday 9 November at 07:00 (WEEKLY_REPORT_TIME). As
it stood then, for all teams together: 4 check-ins due, 1 done on time,
1 done late, 1 overdue (Zuid's of Wednesday 4 November), 1 skipped;
4 promises due, 1 kept on time, 1 kept late, 1 broken (Noord's of
Wednesday 4 November 12:00), 1 cancelled. On Tuesday 10 November the
overdue check-in is done and the broken promise kept: late work on the
week's items, which must not change the week's figures.
"""

import csv
import io
import json
import threading
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contactcare import roles
from followups.models import CheckIn, Notification, Promise
from reports import closing, services
from reports.models import ClosedWeek
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory
from .conftest import AMS, W45, at

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
MONDAY_0700 = datetime(2026, 11, 9, 7, 0, tzinfo=AMS)


def late_work_on_tuesday():
    """The overdue check-in done, and the broken promise kept, on Tuesday 10 November."""
    assert CheckIn.objects.filter(due_date=date(2026, 11, 4), status=CheckIn.Status.OPEN).update(
        status=CheckIn.Status.DONE, done_date=date(2026, 11, 10)
    )
    assert Promise.objects.filter(due_at=at((11, 4), 12), status=Promise.Status.OPEN).update(
        status=Promise.Status.KEPT, kept_at=at((11, 10), 15)
    )


def closed_when(text: str) -> str:
    """The closing as the page writes it: the year only when it is not this year's (as every date here)."""
    return text if timezone.localdate().year == 2026 else text.replace(" 07:00", " 2026 07:00")


@pytest.fixture
def manager(db):
    return UserFactory(username="maria", email="maria@example.com", role=roles.MANAGER)


def sheet_figures(book, name) -> dict:
    """{figure key: (this week, the week before)} of one sheet of the report's XLSX."""
    rows = book[name].iter_rows(min_row=3, values_only=True)
    return {row[4]: (row[1], row[2]) for row in rows}


def page_figures(response) -> dict:
    return {figure.key: (current, before) for figure, current, before in response.context["rows"]}


def test_the_monday_email_and_the_page_for_that_week_show_identical_figures_a_week_later_after_late_work(
    client, manager, week, settings
):
    settings.LANGUAGE_CODE = "en"
    north, south, _ = week
    # given: the Monday e-mail went out, and afterwards the week's overdue check-in and broken promise were done
    assert services.weekly_report_mails_create(now=MONDAY_0700) == 1
    late_work_on_tuesday()

    # when: a week later, the manager opens the page of that week, and the e-mail's attachment
    client.force_login(manager)
    pages = {
        "All teams": client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN),
        "Noord": client.get(reverse("reports:weekly"), {"week": W45.label, "team": north.pk}, headers=EN),
        "Zuid": client.get(reverse("reports:weekly"), {"week": W45.label, "team": south.pk}, headers=EN),
    }
    sent = Notification.objects.get(kind=Notification.Kind.WEEKLY_REPORT, recipient=manager)
    book = load_workbook(io.BytesIO(bytes(sent.attachment)), read_only=True)

    # then: every figure of every scope is the same in both
    for scope, page in pages.items():
        assert page_figures(page) == sheet_figures(book, scope), scope
    # … and they are the Monday figures, counted by hand: not one of them moved with Tuesday's work
    total = page_figures(pages["All teams"])
    assert [total[key][0] for key in ("checkins_on_time", "checkins_late", "checkins_overdue")] == [1, 1, 1]
    assert [total[key][0] for key in ("kept_on_time", "kept_late", "broken", "cancelled")] == [1, 1, 1, 1]
    assert total["contacts"] == (6, 2)
    assert (page_figures(pages["Zuid"])["checkins_overdue"][0], page_figures(pages["Zuid"])["kept_late"][0]) == (1, 1)
    assert page_figures(pages["Noord"])["broken"][0] == 1
    # the e-mail's own text says the same as the page
    assert "- Check-ins overdue: 1\n- Check-ins rescheduled: 0\n- Promises broken: 1" in sent.body
    noord, zuid = sent.body.split("\nNoord\n")[1].split("\nZuid\n")
    assert "- Check-ins overdue: 0\n- Check-ins rescheduled: 0\n- Promises broken: 1" in noord
    assert "- Check-ins overdue: 1\n- Check-ins rescheduled: 0\n- Promises broken: 0" in zuid


def test_the_page_of_a_closed_week_says_when_it_closed_and_what_changed_since(client, manager, week):
    services.weekly_report_mails_create(now=MONDAY_0700)
    late_work_on_tuesday()
    client.force_login(manager)

    response = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)

    html = response.content.decode()
    assert f"Closed {closed_when('Monday 9 November 07:00')}:" in html
    assert "Since Monday: 1 overdue check-in done late, 1 broken promise kept late." in html
    changes = response.context["closed"].changes
    assert changes == {
        "checkins_late": "+1",
        "checkins_overdue": "−1",
        "kept_late": "+1",
        "broken": "−1",
    }
    assert '<td class="text-end since" data-since="checkins_late">+1</td>' in html
    assert '<td class="text-end since" data-since="contacts"></td>' in html


def test_the_page_of_a_closed_week_says_so_in_dutch(client, manager, week):
    services.weekly_report_mails_create(now=MONDAY_0700)
    late_work_on_tuesday()
    client.force_login(manager)

    html = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=NL).content.decode()

    assert f"Afgesloten {closed_when('maandag 9 november 07:00')}:" in html
    assert "Sinds maandag: 1 verlopen check-in alsnog gedaan, 1 gebroken belofte alsnog nagekomen." in html


def test_a_closed_week_without_changes_says_nothing_changed(client, manager, week):
    services.weekly_report_mails_create(now=MONDAY_0700)
    client.force_login(manager)

    response = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)

    assert response.context["closed"].changes == {}
    assert "Nothing has changed since Monday." in response.content.decode()


def test_the_open_week_and_an_unclosed_week_read_live(client, manager, week):
    client.force_login(manager)
    late_work_on_tuesday()

    response = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)

    assert response.context["closed"] is None
    figures = page_figures(response)
    assert (figures["checkins_late"][0], figures["checkins_overdue"][0]) == (2, 0)
    assert (figures["kept_late"][0], figures["broken"][0]) == (2, 0)
    assert "Closed " not in response.content.decode()


def test_the_downloads_of_a_closed_week_carry_the_closed_figures_and_what_changed(client, manager, week):
    services.weekly_report_mails_create(now=MONDAY_0700)
    late_work_on_tuesday()
    client.force_login(manager)

    csv_response = client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN)
    xlsx_response = client.get(reverse("reports:weekly-xlsx"), {"week": W45.label}, headers=EN)

    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Scope", "Figure", "Key", "2026-W45", "2026-W44", "Unit", "Closed at", "Since closing"]
    total = {row[2]: row for row in rows[1:] if row[0] == "All teams"}
    assert total["checkins_overdue"][3:] == ["1", "0", "count", "2026-11-09T07:00+01:00", "-1"]
    assert (total["kept_late"][3], total["kept_late"][7]) == ("1", "1")
    assert total["contacts"][7] == ""
    book = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content)), read_only=True)
    first = list(book["Zuid"].iter_rows(max_row=2, values_only=True))
    assert first[0][2].startswith("Figures as they stood when the week closed, ")
    assert first[1][-1] == "Since closing"
    zuid = {row[4]: row for row in book["Zuid"].iter_rows(min_row=3, values_only=True)}
    assert (zuid["checkins_overdue"][1], zuid["checkins_overdue"][5]) == (1, -1)


def test_a_team_download_of_a_closed_week_is_the_team_alone(client, manager, week):
    north, _south, _ = week
    services.weekly_report_mails_create(now=MONDAY_0700)
    client.force_login(manager)

    response = client.get(reverse("reports:weekly-csv"), {"week": W45.label, "team": north.pk}, headers=EN)

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == {"Noord"}
    assert {row[2]: row[3] for row in rows[1:]}["contacts"] == "5"


def test_the_sweep_closes_the_week_even_when_nobody_gets_the_email(week):
    # no manager at all
    assert services.weekly_report_mails_create(now=datetime(2026, 11, 9, 6, 59, tzinfo=AMS)) == 0
    assert not ClosedWeek.objects.exists()

    assert services.weekly_report_mails_create(now=MONDAY_0700) == 0

    closed = ClosedWeek.objects.get()
    assert (closed.week, closed.closed_at, closed.how) == (date(2026, 11, 2), MONDAY_0700, "sweep")
    assert closed.closed_by.username == "contactcare-system"


def test_closing_is_once_per_week_and_the_first_closing_stands(week):
    services.weekly_report_mails_create(now=MONDAY_0700)
    first = ClosedWeek.objects.get()
    late_work_on_tuesday()

    services.weekly_report_mails_create(now=datetime(2026, 11, 9, 7, 15, tzinfo=AMS))
    again, made = closing.week_close(week=W45, now=at((11, 11), 9), actor=UserFactory(), how="command")

    assert made is False
    assert again.pk == first.pk and ClosedWeek.objects.count() == 1
    again.refresh_from_db()
    assert again.figures == first.figures and again.closed_at == MONDAY_0700


def test_a_week_that_is_not_over_cannot_be_closed(db):
    with pytest.raises(ValidationError) as refused:
        closing.week_close(week=W45, now=at((11, 8), 23, 59), actor=UserFactory(), how="command")

    assert refused.value.code == "not_over"
    assert not ClosedWeek.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
def test_two_workers_closing_at_once_keep_one_closing():
    team, person = TeamFactory(name="Race Noord"), UserFactory(username="race-anna")
    ContactMomentFactory(customer=CustomerFactory(), team=team, logged_by=person, occurred_at=at((11, 3), 10))
    actor = UserFactory(username="race-system")
    counted, results, errors = threading.Barrier(2, timeout=10), [], []
    count = closing.week_figures_count

    def both_counted(**kwargs):  # both have looked, found no closing, and counted before either inserts
        figures = count(**kwargs)
        counted.wait()
        return figures

    def close():
        try:
            results.append(closing.week_close(week=W45, now=MONDAY_0700, actor=actor, how="sweep"))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    closing.week_figures_count = both_counted
    try:
        threads = [threading.Thread(target=close) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        closing.week_figures_count = count

    assert errors == []
    assert sorted(made for _, made in results) == [False, True]
    assert len({closed.pk for closed, _ in results}) == 1
    assert ClosedWeek.objects.count() == 1
    assert ClosedWeek.objects.get().figures["teams"][f"t{team.pk}"]["contacts"] == 1


def test_the_command_closes_a_past_week_by_hand_once(week):
    out = io.StringIO()
    call_command("report_week_close", "--week", "2026-W45", stdout=out)
    call_command("report_week_close", "--week", "2026-w45", stdout=out)

    closed = ClosedWeek.objects.get()
    assert (closed.week, closed.how) == (date(2026, 11, 2), "command")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Closed 2026-W45 at ")
    assert lines[1].startswith("2026-W45 was closed already, at ")
    # counted as it stood when the command ran (long after the week): hand-counted as of now
    total = closing.report_tables(week=W45, now=timezone.now(), teams=[], since=False)[0][0][1]
    assert (total["checkins_overdue"], total["broken"], total["contacts"]) == (1, 1, 6)


def test_the_page_of_a_week_closed_by_hand_says_so(client, manager, week):
    closing.week_close(week=W45, now=MONDAY_0700, actor=manager, how=ClosedWeek.How.COMMAND)
    client.force_login(manager)

    html = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN).content.decode()

    assert (
        f"Closed {closed_when('Monday 9 November 07:00')}, by hand: these are the figures as they stood then." in html
    )


@pytest.mark.parametrize("label", ["2026-W54", "next week", "0001-W01"])
def test_the_command_refuses_what_is_not_a_supported_week(db, label):
    with pytest.raises(CommandError, match="Not a supported ISO week"):
        call_command("report_week_close", "--week", label)
    assert not ClosedWeek.objects.exists()


def test_the_command_refuses_the_week_that_is_still_running(db):
    this_week = IsoWeek.containing(timezone.localdate())

    with pytest.raises(CommandError, match="not over yet"):
        call_command("report_week_close", "--week", this_week.label)


def test_the_kept_figures_hold_counts_and_staff_ids_only_and_outlive_an_erasure(week):
    north, south, earlier3 = week
    customer = earlier3.customer
    services.weekly_report_mails_create(now=MONDAY_0700)
    closed = ClosedWeek.objects.get()

    stored = json.dumps(closed.figures)
    assert customer.customer_number not in stored and customer.full_name not in stored
    assert set(closed.figures) == {"teams", "people"}
    assert set(closed.figures["teams"]) == {f"t{north.pk}", f"t{south.pk}"}
    anna, bram = north.members.get(), south.members.get()
    assert set(closed.figures["people"][f"t{north.pk}"]) == {str(anna.pk)}
    assert str(bram.pk) in closed.figures["people"][f"t{south.pk}"]

    def leaves(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        elif isinstance(value, list):
            for item in value:
                yield from leaves(item)
        else:
            yield value

    assert all(isinstance(leaf, int | float) for leaf in leaves(closed.figures))


def test_the_people_of_a_closed_week_are_named_as_they_are_named_now(client, manager, week):
    north, _south, _ = week
    services.weekly_report_mails_create(now=MONDAY_0700)
    anna = north.members.get()
    anna.first_name, anna.last_name = "Anna", "de Vries"
    anna.save()
    client.force_login(manager)

    response = client.get(reverse("reports:weekly"), {"week": W45.label, "team": north.pk}, headers=EN)

    assert [(user.get_full_name(), figures["contacts"]) for user, figures in response.context["report"].people] == [
        ("Anna de Vries", 5)
    ]
    assert "Anna de Vries" in response.content.decode()


def test_the_trend_shows_the_kept_figures_of_closed_weeks(client, manager, week):
    services.weekly_report_mails_create(now=MONDAY_0700)
    late_work_on_tuesday()
    client.force_login(manager)

    response = client.get(reverse("reports:weekly"), {"week": "2026-W46"}, headers=EN)

    trend = response.context["charts"]["trend"]
    w45 = trend["labels"].index("2026-W45")
    assert (trend["kept_late"][w45], trend["broken"][w45]) == (1, 1)
    assert (trend["checkins_late"][w45], trend["checkins_overdue"][w45]) == (1, 1)


def _busy(contacts: int, *, team=None, people: int = 1):
    """`contacts` contacts of week 45, each with a promise due in it, logged by `people` new people of `team`."""
    team = team or TeamFactory()
    users = [UserFactory() for _ in range(people)]
    team.members.add(*users)
    for i in range(contacts):
        moment = ContactMomentFactory(
            customer=CustomerFactory(), team=team, logged_by=users[i % people], occurred_at=at((11, 2 + i % 6), 10)
        )
        PromiseFactory(moment=moment, due_at=at((11, 3 + i % 5), 12))
    return team


def _queries_per_scope(client, team, django_assert_max_num_queries) -> dict:
    closing.week_close(week=W45, now=MONDAY_0700, actor=UserFactory(), how="command")
    counted = {}
    for name, scope in (("all", {}), ("team", {"team": team.pk})):
        with django_assert_max_num_queries(24) as queries:
            response = client.get(reverse("reports:weekly"), {"week": W45.label, **scope})
        assert response.context["closed"] is not None
        counted[name] = len(queries)
    return counted


def test_the_page_of_a_closed_week_runs_a_constant_number_of_queries(client, manager, django_assert_max_num_queries):
    team = _busy(3)
    client.force_login(manager)
    client.get(reverse("reports:weekly"), {"week": W45.label})
    few = _queries_per_scope(client, team, django_assert_max_num_queries)

    ClosedWeek.objects.all().delete()
    _busy(60, team=team, people=6)
    for _ in range(4):
        _busy(30, people=3)
    many = _queries_per_scope(client, team, django_assert_max_num_queries)

    assert few == many


def test_a_lead_sees_the_closed_week_of_their_own_team_only(client, week):
    north, south, _ = week
    lead = UserFactory(username="lotte", role=roles.TEAM_LEAD)
    north.lead = lead
    north.save()
    services.weekly_report_mails_create(now=MONDAY_0700)
    client.force_login(lead)

    own = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)

    assert own.context["report"].scope.team == north and own.context["closed"] is not None
    assert page_figures(own)["broken"][0] == 1
    assert client.get(reverse("reports:weekly"), {"week": W45.label, "team": south.pk}).status_code == 404
    assert client.get(reverse("reports:weekly-csv"), {"week": W45.label}).status_code == 403


def test_staff_do_not_see_closed_weeks(staff_client, week):
    services.weekly_report_mails_create(now=MONDAY_0700)

    assert staff_client.get(reverse("reports:weekly"), {"week": W45.label}).status_code == 403


def test_the_week_after_shows_the_closed_week_before_it_as_it_was_kept(client, manager, week):
    services.weekly_report_mails_create(now=MONDAY_0700)
    late_work_on_tuesday()
    client.force_login(manager)

    page = client.get(reverse("reports:weekly"), {"week": "2026-W46"}, headers=EN)
    download = client.get(reverse("reports:weekly-csv"), {"week": "2026-W46"}, headers=EN)

    assert page.context["closed"] is None  # week 46 itself is counted live
    before = {key: value for key, (_, value) in page_figures(page).items()}
    assert (before["checkins_overdue"], before["checkins_late"], before["broken"], before["kept_late"]) == (1, 1, 1, 1)
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Scope", "Figure", "Key", "2026-W46", "2026-W45", "Unit"]
    total = {row[2]: row for row in rows[1:] if row[0] == "All teams"}
    assert (total["checkins_overdue"][4], total["broken"][4], total["kept_late"][4]) == ("1", "1", "1")
    assert total["contacts"][3:5] == ["1", "6"]  # Monday 00:30 of week 46, and week 45's six


def test_a_closed_week_keeps_contacts_without_a_team_as_their_own_row(client, manager, week, settings):
    """Two contacts of week 45 logged without a team: the closed week shows them as *No team*, like the live page,
    so the teams add up to all teams in the e-mail, the downloads and the page."""
    settings.LANGUAGE_CODE = "en"
    north, south, _ = week
    for day in (3, 5):
        ContactMomentFactory(customer=CustomerFactory(), team=None, occurred_at=at((11, day), 11))
    closing.week_close(week=W45, now=MONDAY_0700, actor=manager, how=ClosedWeek.How.COMMAND)

    tables, closed = closing.report_tables(week=W45, now=MONDAY_0700, teams=[north, south], since=False)
    client.force_login(manager)
    page = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)

    assert closed is not None
    scopes = {name: current["contacts"] for name, current, _ in tables}
    assert list(scopes) == ["All teams", north.name, south.name, "No team"]
    assert scopes["No team"] == 2
    assert scopes["All teams"] == scopes[north.name] + scopes[south.name] + 2
    per_team = dict(page.context["report"].teams)
    assert per_team[None]["contacts"] == 2
    assert "none" in ClosedWeek.objects.get(week=W45.monday).figures["teams"]  # no magic team 0 in the kept figures


def test_closed_weeks_of_the_trend_are_not_counted_again(week, manager):
    """Their figures come from the closings: with all twelve trend weeks closed, the trend costs no query, and
    the page shows the same trend as before they were closed (nothing changed since)."""
    from django.test.utils import CaptureQueriesContext

    teams = list(week[:2])
    now = datetime(2026, 11, 11, 12, 0, tzinfo=AMS)
    before, _ = closing.weekly_report(week=W45, team=None, now=now, teams=teams, with_people=False)
    with CaptureQueriesContext(connection) as live:
        closing.weekly_report(week=W45, team=None, now=now, teams=teams, with_people=False)
    for n in range(12):
        closed = W45.previous(n)
        closing.week_close(week=closed, now=closed.end, actor=manager, how=ClosedWeek.How.COMMAND)

    with CaptureQueriesContext(connection) as kept:
        after, info = closing.weekly_report(week=W45, team=None, now=now, teams=teams, with_people=False)

    assert info is not None
    assert len(kept) == len(live) - 2  # the trend's two queries
    # What the trend's charts draw (the live trend counts only that; a closing keeps every raw count)
    drawn = {key for _, raw in before.trend for key in raw}
    assert drawn >= {"kept_late", "broken", "checkins_late", "checkins_overdue"}
    assert [(w.label, {k: raw.get(k, 0) for k in drawn}) for w, raw in after.trend] == [
        (w.label, {k: raw.get(k, 0) for k in drawn}) for w, raw in before.trend
    ]
    assert any(raw.get("broken") for _, raw in after.trend)

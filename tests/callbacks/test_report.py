"""The weekly report's "Missed calls" and "Callbacks kept in time", against a week counted by hand.

ISO week 45 of 2026 (Mon 2 – Sun 8 November), the week of tests/reports. Two teams with a telephone line:

- Calls, Noord-Tel: missed Mon 10:00 (A), missed Tue 11:00 (B), answered Tue 12:00, missed Fri 16:30 (D);
  missed Sun 1 Nov 23:30 (week 44) and Mon 9 Nov 09:30 (week 46) do not count.  Zuid-Tel: missed Wed 16:30 (C).
  Missed calls in week 45: Noord-Tel 3, Zuid-Tel 1, total 4.
- Callbacks (2 business hours, 09:00–17:00): A due Mon 12:00, kept Mon 11:00 (in time); B due Tue 13:00, kept
  Tue 13:01 (late); C due Thu 10:30, still open (broken); D due Mon 9 Nov 10:30 (week 46: not due in week 45).
  Callbacks due: Noord-Tel 2 (1 in time, 50.0 %), Zuid-Tel 1 (0, 0.0 %); total 3, 1 in time, 33.3 %.
- The promise figures of tests/reports' hand-counted week stay exactly as they were: callbacks are not promises
  made in a contact, and are counted in their own figures.
"""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cti import services as cti_services
from cti.models import Call
from followups.services import callback_for_missed_call, promise_keep
from reports.figures import BY_KEY
from reports.selectors import weekly_report
from tests.factories import TeamFactory
from tests.reports.conftest import (
    NOW,
    W45,
    week,  # noqa: F401 - the hand-counted week, a fixture used below
)
from tests.reports.test_figures import EXPECTED_TOTAL

pytestmark = pytest.mark.django_db  # the hand-counted week asks for no database of its own
AMS = ZoneInfo("Europe/Amsterdam")
EN = {"Accept-Language": "en"}


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def phones(db, manager_user, system):
    north, south = TeamFactory(name="Noord-Tel"), TeamFactory(name="Zuid-Tel")
    lines = {team: cti_services.line_token_rotate(team=team, actor=manager_user)[0] for team in (north, south)}
    calls = [
        (north, at(11, 2, 10), Call.State.MISSED, "+31611111111"),
        (north, at(11, 3, 11), Call.State.MISSED, "+31622222222"),
        (north, at(11, 3, 12), Call.State.ENDED, "+31655555555"),
        (north, at(11, 6, 16, 30), Call.State.MISSED, "+31644444444"),
        (north, at(11, 1, 23, 30), Call.State.MISSED, "+31666666666"),
        (north, at(11, 9, 9, 30), Call.State.MISSED, "+31677777777"),
        (south, at(11, 4, 16, 30), Call.State.MISSED, "+31633333333"),
    ]
    for n, (team, started, state, number) in enumerate(calls):
        Call.objects.create(
            line=lines[team],
            team=team,
            call_id=f"hand-{n}",
            direction=Call.Direction.INBOUND,
            caller_number=number,
            state=state,
            started_at=started,
        )
    made = {}
    for team, started, state, number in calls[:4] + calls[6:]:
        if state == Call.State.MISSED:
            made[number] = callback_for_missed_call(
                team=team, number=number, customer=None, person=None, missed_at=started, actor=system
            )
    assert made["+31611111111"].due_at == at(11, 2, 12)
    assert made["+31633333333"].due_at == at(11, 5, 10, 30)
    assert made["+31644444444"].due_at == at(11, 9, 10, 30)
    promise_keep(promise=made["+31611111111"], actor=system, now=at(11, 2, 11))
    promise_keep(promise=made["+31622222222"], actor=system, now=at(11, 3, 13, 1))
    return north, south


def test_missed_calls_and_callbacks_kept_in_time_for_all_teams(phones):
    figures = weekly_report(week=W45, team=None, now=NOW, teams=list(phones), with_people=False).current

    assert figures["missed_calls"] == 4
    assert (figures["callbacks_due"], figures["callbacks_on_time"]) == (3, 1)
    assert figures["callbacks_on_time_share"] == 33.3


def test_each_team_has_its_own(phones):
    north, south = phones
    noord = weekly_report(week=W45, team=north, now=NOW, teams=[north, south], with_people=True).current
    zuid = weekly_report(week=W45, team=south, now=NOW, teams=[north, south], with_people=True).current

    assert (noord["missed_calls"], noord["callbacks_due"], noord["callbacks_on_time_share"]) == (3, 2, 50.0)
    assert (zuid["missed_calls"], zuid["callbacks_due"], zuid["callbacks_on_time_share"]) == (1, 1, 0.0)


def test_callbacks_leave_the_hand_counted_promise_figures_alone(week, phones):  # noqa: F811
    report = weekly_report(week=W45, team=None, now=NOW, teams=list(week[:2]), with_people=False)

    promise_keys = ["promises_made", "promises_due", "kept_on_time", "kept_late", "broken", "cancelled"]
    assert {key: report.current[key] for key in promise_keys} == {key: EXPECTED_TOTAL[key] for key in promise_keys}
    trend = report.trend[-1][1]
    assert (trend["kept_on_time"], trend["kept_late"], trend["broken"]) == (1, 1, 1)  # the promises' only


def test_a_week_without_calls_has_no_share(week):  # noqa: F811
    figures = weekly_report(week=W45, team=None, now=NOW, teams=list(week[:2]), with_people=False).current
    assert (figures["missed_calls"], figures["callbacks_due"], figures["callbacks_on_time_share"]) == (0, 0, None)


def test_the_page_csv_and_definitions_show_them(manager_client, phones):
    page = manager_client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)
    html = page.content.decode()
    assert "Missed calls" in html and "Callbacks kept in time" in html
    shown = {figure.key: current for figure, current, _ in page.context["rows"]}
    assert (shown["missed_calls"], shown["callbacks_on_time_share"]) == (4, 33.3)

    response = manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    total = {row[2]: row[3] for row in rows[1:] if row[0] == "All teams"}
    assert (total["missed_calls"], total["callbacks_due"], total["callbacks_on_time"]) == ("4", "3", "1")
    assert "nobody answered" in str(BY_KEY["missed_calls"].definition)

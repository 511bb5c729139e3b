"""The weekly report's handovers, against a week counted by hand: ISO week 45 of 2026 (Mon 2 – Sun 8 November).

Opening hours 09:00–17:00, a handover may wait 2 business hours. Made in week 45 (receiving team, what became of it):

- H1 Anna → Team Zuid, Mon 2 Nov 10:00 (may wait until 12:00); Chris accepts at 11:00. Waited 1.0 h. Zuid.
- H2 Anna → Team Zuid, Tue 3 Nov 16:00 (until Wed 10:00); Chris passes it on Wed 4 Nov 09:30, in time. Zuid.
- H3 Chris → Team Noord, Wed 4 Nov 09:30 (until 11:30); Bram accepts at 12:00: late, so escalated. The customer
  waited from H2, Tue 16:00: Tue 16–17 and Wed 9–12 = 4.0 h. Noord.
- H4 Bram → Chris, Fri 6 Nov 15:00 (until 17:00); still waiting: escalated. Zuid (Chris's team).
- H5 Dewi → Team Noord, Sun 8 Nov 23:30 (until Mon 9 Nov 11:00); Lotte accepts Mon 09:15. Waited 0.25 h. Noord.
- Not in week 45: Sun 1 Nov 23:00 (week 44, still waiting) and Mon 9 Nov 00:30 (week 46).

Week 45, all teams: handovers 5, accepted 3, passed on 1, escalated 2, median wait of 1.0, 4.0 and 0.25 h = 1.0 h.
Zuid: 3, 1, 1, 1, median 1.0 h. Noord: 2, 2, 0, 1, median of 4.0 and 0.25 = 2.125 → 2.1 h.
Week 44: 1 handover, still waiting: escalated 1, no median.
"""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from followups import handovers
from reports.figures import BY_KEY
from reports.selectors import weekly_report
from tests.factories import CustomerFactory
from tests.reports.conftest import NOW, W45

from .conftest import at, hand_over

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
KEYS = ["handovers", "handovers_accepted", "handovers_passed_on", "handovers_escalated", "handover_wait_median"]


@pytest.fixture
def week(desk, settings):
    settings.DESK_OPENING_HOURS = "09:00-17:00"
    settings.HANDOVER_ESCALATE_AFTER_HOURS = 2

    def new(**kwargs):
        return hand_over(desk, customer=CustomerFactory(), **kwargs)

    h1 = new(now=at(2026, 11, 2, 10, 0))
    handovers.handover_accept(handover=h1, actor=desk.chris, now=at(2026, 11, 2, 11, 0))
    h2 = new(now=at(2026, 11, 3, 16, 0))
    h3 = handovers.handover_pass_on(
        handover=h2, actor=desk.chris, to=desk.to(desk.noord), note="Noord", now=at(2026, 11, 4, 9, 30)
    )
    handovers.handover_accept(handover=h3, actor=desk.bram, now=at(2026, 11, 4, 12, 0))
    new(by=desk.bram, to=desk.chris, now=at(2026, 11, 6, 15, 0))
    h5 = new(by=desk.dewi, to=desk.noord, now=at(2026, 11, 8, 23, 30))
    handovers.handover_accept(handover=h5, actor=desk.lotte, now=at(2026, 11, 9, 9, 15))
    new(now=at(2026, 11, 1, 23, 0))
    new(now=at(2026, 11, 9, 0, 30))
    return desk


def _figures(report):
    return {key: report.current[key] for key in KEYS}


def test_the_hand_counted_week_for_all_teams(week):
    report = weekly_report(week=W45, team=None, now=NOW, teams=[week.noord, week.zuid], with_people=False)

    assert _figures(report) == {
        "handovers": 5,
        "handovers_accepted": 3,
        "handovers_passed_on": 1,
        "handovers_escalated": 2,
        "handover_wait_median": 1.0,
    }
    before = {key: report.before[key] for key in KEYS}
    assert before == {
        "handovers": 1,
        "handovers_accepted": 0,
        "handovers_passed_on": 0,
        "handovers_escalated": 1,
        "handover_wait_median": None,
    }


def test_each_team_counts_what_went_to_it(week):
    teams = [week.noord, week.zuid]
    zuid = weekly_report(week=W45, team=week.zuid, now=NOW, teams=teams, with_people=True)
    noord = weekly_report(week=W45, team=week.noord, now=NOW, teams=teams, with_people=True)

    assert list(_figures(zuid).values()) == [3, 1, 1, 1, 1.0]
    assert list(_figures(noord).values()) == [2, 2, 0, 1, 2.1]
    per_team = {team.name: figures["handovers"] for team, figures in zuid.teams}
    assert per_team == {"Team Noord": 2, "Team Zuid": 3}


def test_the_page_csv_xlsx_and_definitions_show_them(week, client, settings):
    client.force_login(week.mila)

    page = client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)
    shown = {figure.key: current for figure, current, _ in page.context["rows"]}
    html = page.content.decode()
    assert (shown["handovers"], shown["handover_wait_median"]) == (5, 1.0)
    assert "Median wait until accepted" in html and "1.0 h" in html
    assert "longer than 2 business hours" in html  # the definition says the setting
    per_team = html.partition('class="table table-sm per-team"')[2].partition("</table>")[0]
    assert "Handovers" in per_team and "2.1 h" in per_team  # Noord's median, beside the other teams'

    response = client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    total = {row[2]: row[3] for row in rows[1:] if row[0] == "All teams"}
    assert [total[key] for key in KEYS] == ["5", "3", "1", "2", "1.0"]

    response = client.get(reverse("reports:weekly-xlsx"), {"week": W45.label}, headers=EN)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    definitions = {row[1]: row[2] for row in book["Definitions"].iter_rows(values_only=True) if row and len(row) > 2}
    assert "first handover of the customer" in definitions["handover_wait_median"]
    assert "passing a handover on counts as a handover too" in definitions["handovers"]
    sheet = {row[4]: row[1] for row in book["All teams"].iter_rows(min_row=3, values_only=True) if row[4]}
    assert (sheet["handovers"], sheet["handover_wait_median"]) == (5, 1.0)


def test_the_definitions_follow_the_setting(settings):
    settings.HANDOVER_ESCALATE_AFTER_HOURS = 4
    assert "longer than 4 business hours" in str(BY_KEY["handovers_escalated"].definition)
    settings.HANDOVER_ESCALATE_AFTER_HOURS = 1.5
    assert "longer than 1.5 business hours" in str(BY_KEY["handovers_escalated"].definition)


def test_the_monday_email_tells_them(week, settings):
    from reports.services import weekly_report_mails_create

    weekly_report_mails_create(now=at(2026, 11, 9, 8, 0))

    mail = week.mila.notifications.get(kind="weekly_report")  # in the desk's language: Dutch
    all_teams = mail.body.partition("Team Noord")[0]
    assert "Overdrachten: 5 (aangenomen: 3, geëscaleerd: 2; mediane wachttijd tot aannemen: 1,0 u)" in all_teams
    assert "<td>5</td><td>1,0 u</td>" in mail.html_body


def test_the_report_reads_the_same_queries_for_a_few_or_many_handovers(week, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(week.mila)
    url = reverse("reports:weekly")
    client.get(url, {"week": W45.label})
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"week": W45.label})
    for n in range(20):
        hand_over(week, customer=CustomerFactory(), now=at(2026, 11, 5, 9, n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, {"week": W45.label}).context["report"].current["handovers"] == 25

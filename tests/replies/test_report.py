"""The weekly report's "Replies and updates", against a week counted by hand (issue 13).

ISO week 45 of 2026 (Mon 2 – Sun 8 November), read on Wednesday 11 November. Two teams, Noord-R (Anna) and
Zuid-R (Bram); every customer is someone else, so no reply keeps another's promise. Terms: e-mail 1 business
day, letter 5, social media 4 business hours, 09:00-17:00; keep informed every 3 business days.

Reply-by promises:
- R1 Noord: e-mail Mon 2 Nov 10:00 → due Tue 3 Nov 10:00; replied Tue 09:30: in time.
- R2 Noord: e-mail Wed 4 Nov 16:55 → due Thu 5 Nov 16:55; replied Thu 16:56: one minute late.
- R3 Zuid: letter Fri 30 Oct 10:00 → due Fri 6 Nov 10:00 (Mon–Fri); never replied: broken.
- R4 Noord: e-mail Fri 6 Nov 16:00 → 1 h on Friday, 7 h on Monday: due Mon 9 Nov 16:00, week 46: not counted.
- R5 Zuid: social media Sun 1 Nov 20:00 → counting from Mon 09:00, due Mon 2 Nov 13:00; replied Mon 12:00.
  Reply-by promises due in week 45: Noord 2 (1 in time, 50.0 %), Zuid 2 (1, 50.0 %); total 4, 2, 50.0 %.

Keep-informed (promises made in inbound phone calls, so they owe no reply themselves):
- P1 Noord: made Thu 29 Oct → update due Tue 3 Nov; update Mon 2 Nov (on time) → next due Thu 5 Nov; update
  Thu 5 Nov 15:00 (on time) → next due Tue 10 Nov (week 46). Two check-ins due in week 45, both on time: updated.
- P2 Noord: made Fri 30 Oct → update due Wed 4 Nov; first update Fri 6 Nov: late. Not updated in every period.
- P3 Zuid: made Mon 2 Nov → update due Thu 5 Nov; kept Wed 4 Nov: the update was not needed. Not counted.
- P4 Zuid: made Mon 2 Nov 09:00 → update due Thu 5 Nov; no update, kept Mon 9 Nov: a missed update.
- R3's update (made Fri 30 Oct) was due Wed 4 Nov and is still open: missed. R1, R2 and R5 were replied before
  their updates were due (not needed); R4's is due in week 46.
  Open promises to keep informed: Noord 2 (P1, P2; 1 updated, 50.0 %), Zuid 2 (P4, R3; 0, 0.0 %); total 4, 1, 25.0 %.
"""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from followups import services
from followups.models import Promise
from reports.figures import BY_KEY, FIGURES, REPLIES
from reports.selectors import weekly_report
from tests.factories import CustomerFactory, TeamFactory, UserFactory
from tests.reports.conftest import NOW, W45

AMS = ZoneInfo("Europe/Amsterdam")
EN = {"Accept-Language": "en"}
pytestmark = pytest.mark.django_db


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def desk(db):
    anna, bram = UserFactory(username="rr-anna"), UserFactory(username="rr-bram")
    north = TeamFactory(name="Noord-R", members=[anna])
    south = TeamFactory(name="Zuid-R", members=[bram])

    def log(user, team, customer, when, *, channel="email", direction="in", promise=None):
        promises = [{"description": promise, "owner": user, "due_at": timezone.now() + timedelta(days=30)}]
        return services.contact_log(
            customer=customer, actor=user, occurred_at=when, channel=channel, direction=direction,
            summary="Handgeteld", team=team, promises=promises if promise else [],
        )  # fmt: skip

    def customer():
        return CustomerFactory()

    r1, r2, r3, r4, r5 = (customer() for _ in range(5))
    log(anna, north, r1, at(11, 2, 10))
    log(anna, north, r1, at(11, 3, 9, 30), direction="out")
    log(anna, north, r2, at(11, 4, 16, 55))
    log(anna, north, r2, at(11, 5, 16, 56), direction="out")
    log(bram, south, r3, at(10, 30, 10), channel="letter")
    log(anna, north, r4, at(11, 6, 16))
    log(bram, south, r5, at(11, 1, 20), channel="social")
    log(bram, south, r5, at(11, 2, 12), direction="out", channel="phone")
    due = dict(Promise.objects.replies().values_list("customer", "due_at"))
    assert [due[c.pk] for c in (r1, r2, r3, r4, r5)] == [
        at(11, 3, 10), at(11, 5, 16, 55), at(11, 6, 10), at(11, 9, 16), at(11, 2, 13),
    ]  # fmt: skip

    p1, p2, p3, p4 = (customer() for _ in range(4))
    log(anna, north, p1, at(10, 29, 10), channel="phone", promise="Offerte sturen")
    log(anna, north, p1, at(11, 2, 11), channel="phone", direction="out")
    log(anna, north, p1, at(11, 5, 15), channel="phone", direction="out")
    log(anna, north, p2, at(10, 30, 10), channel="phone", promise="Monteur inplannen")
    log(anna, north, p2, at(11, 6, 10), channel="phone", direction="out")
    log(bram, south, p3, at(11, 2, 10), channel="phone", promise="Factuur crediteren")
    services.promise_keep(promise=Promise.objects.get(customer=p3), actor=bram, now=at(11, 4, 12))
    log(bram, south, p4, at(11, 2, 9), channel="phone", promise="Terugbellen over de storing")
    services.promise_keep(promise=Promise.objects.get(customer=p4), actor=bram, now=at(11, 9, 10))
    return north, south, anna, bram


def test_all_teams(desk):
    figures = weekly_report(week=W45, team=None, now=NOW, teams=list(desk[:2]), with_people=False).current

    assert (figures["replies_due"], figures["replies_on_time"], figures["replies_on_time_share"]) == (4, 2, 50.0)
    assert (figures["to_keep_informed"], figures["updated_every_period"]) == (4, 1)
    assert figures["updated_every_period_share"] == 25.0


def test_each_team_and_its_people(desk):
    north, south, anna, _bram = desk
    noord = weekly_report(week=W45, team=north, now=NOW, teams=[north, south], with_people=True)
    zuid = weekly_report(week=W45, team=south, now=NOW, teams=[north, south], with_people=True).current

    current = noord.current
    assert (current["replies_due"], current["replies_on_time"], current["to_keep_informed"]) == (2, 1, 2)
    assert (current["updated_every_period"], current["updated_every_period_share"]) == (1, 50.0)
    assert (zuid["replies_due"], zuid["replies_on_time"], zuid["to_keep_informed"], zuid["updated_every_period"]) == (
        2,
        1,
        2,
        0,
    )
    person = dict(noord.people)[anna]
    assert (person["replies_due"], person["to_keep_informed"], person["updated_every_period"]) == (2, 2, 1)


def test_reply_by_promises_are_not_counted_among_the_promises(desk):
    figures = weekly_report(week=W45, team=None, now=NOW, teams=list(desk[:2]), with_people=False).current
    # made in week 45 by people: P3 and P4 (Mon 2 Nov); P1, P2 were made in week 44. None due in the week.
    assert (figures["promises_made"], figures["promises_due"]) == (2, 0)


def test_the_definitions_say_how_they_are_counted():
    keys = [figure.key for figure in FIGURES if figure.section == REPLIES]
    assert keys == [
        "replies_due",
        "replies_on_time",
        "replies_on_time_share",
        "to_keep_informed",
        "updated_every_period",
        "updated_every_period_share",
    ]
    from django.utils import translation

    with translation.override("en"):
        assert "one business day is one whole day of opening hours" in str(BY_KEY["replies_due"].definition)
        assert "one minute late is kept late" in str(BY_KEY["replies_on_time"].definition)
        assert "even without news" in str(BY_KEY["to_keep_informed"].definition)
    with translation.override("nl"):
        assert "één werkdag is een hele dag openingstijd" in str(BY_KEY["replies_due"].definition)


def test_the_page_csv_and_xlsx_show_them(manager_client, desk):
    page = manager_client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)
    html = page.content.decode()
    assert "Replies and updates" in html and "Open promises updated in every period" in html
    shown = {figure.key: current for figure, current, _ in page.context["rows"]}
    assert (shown["replies_on_time_share"], shown["updated_every_period"]) == (50.0, 1)

    response = manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    total = {row[2]: row[3] for row in rows[1:] if row[0] == "All teams"}
    assert (total["replies_due"], total["replies_on_time"], total["to_keep_informed"]) == ("4", "2", "4")

    from openpyxl import load_workbook

    xlsx = manager_client.get(reverse("reports:weekly-xlsx"), {"week": W45.label}, headers=EN)
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    definitions = [
        " ".join(str(cell) for cell in row if cell) for row in book.worksheets[-1].iter_rows(values_only=True)
    ]
    assert any("Open promises updated in every period" in row and "every period" in row for row in definitions)


def test_the_report_runs_the_same_queries_with_or_without_them(manager_client, desk):
    url = reverse("reports:weekly")
    manager_client.get(url, {"week": W45.label}, headers=EN)
    with CaptureQueriesContext(connection) as with_them:
        manager_client.get(url, {"week": W45.label}, headers=EN)
    with CaptureQueriesContext(connection) as without:
        manager_client.get(url, {"week": W45.previous(10).label}, headers=EN)

    assert len(with_them.captured_queries) == len(without.captured_queries)


def test_the_monday_email_carries_them(desk, manager_user, settings):
    from reports.services import weekly_report_mails_create

    settings.LANGUAGE_CODE = "en"
    monday = datetime(2026, 11, 9, 8, 0, tzinfo=AMS)  # week 46: last week's report is week 45

    assert weekly_report_mails_create(now=monday) == 1

    mail = manager_user.notifications.get(kind="weekly_report")
    assert "Replied in time (share)" in mail.html_body and "Updated in every period (share)" in mail.html_body
    assert "- Reply-by promises: 4, Replied in time (share): 50.0" in mail.body
    assert "- Open promises to keep informed: 4, Updated in every period (share): 25.0" in mail.body

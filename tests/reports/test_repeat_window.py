"""Issue 14: the repeat window counts calendar days on the desk's local clock, not 24-hour blocks.

A contact is a repeat when the customer had an earlier inbound contact at or after the same local time of
day N (7) calendar days before. Both clock changes of 2026: summer time starts Sunday 29 March (02:00 → 03:00),
ends Sunday 25 October (03:00 → 02:00). Every expected flag and figure below was counted by hand.
"""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection

from contacts.models import ContactMoment
from contacts.repeats import REPEAT_RULE, _sqlite_local_days_before, local_days_before
from reports.models import WeeklySummary
from reports.selectors import weekly_report
from reports.summaries import buckets_recompute, week_of
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=AMS)


def local(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


# (name, earlier contact, later contact, repeat?, hours elapsed between them), each pair its own customer
PAIRS = [
    # spring: a week across the change is 167 hours
    ("tue-tue-spring", local(3, 24, 10), local(3, 31, 10), True, 167),
    ("tue-tue-spring-minute-late", local(3, 24, 10), local(3, 31, 10, 1), False, 167),  # 24-hour days: repeat
    ("sun-sun-spring", local(3, 22, 10), local(3, 29, 10), True, 167),
    ("sun-sun-spring-hour-later", local(3, 22, 10), local(3, 29, 11), False, 168),  # 24-hour days: repeat
    # autumn: a week across the change is 169 hours
    ("tue-tue-autumn", local(10, 20, 10), local(10, 27, 10), True, 169),  # 24-hour days: no repeat
    ("tue-tue-autumn-minute-late", local(10, 20, 10), local(10, 27, 10, 1), False, 169),
    ("sun-sun-autumn", local(10, 18, 10), local(10, 25, 10), True, 169),  # 24-hour days: no repeat
]


@pytest.fixture
def pairs(db):
    team = TeamFactory(name="Noord")
    later = {}
    for name, before, after, _, _ in PAIRS:
        customer = CustomerFactory()
        ContactMomentFactory(customer=customer, occurred_at=before, team=team, channel="phone")
        later[name] = ContactMomentFactory(customer=customer, occurred_at=after, team=team, channel="phone")
    return team, later


def test_the_pairs_are_as_many_hours_apart_as_their_names_say():
    for name, before, after, _, hours in PAIRS:
        assert (after.astimezone(UTC) - before.astimezone(UTC)).total_seconds() // 3600 == hours, name


@pytest.mark.django_db
def test_each_later_contact_is_a_repeat_exactly_when_within_seven_local_days(pairs):
    _, later = pairs

    flags = {name: ContactMoment.objects.get(pk=moment.pk).is_repeat for name, moment in later.items()}

    assert flags == {name: repeat for name, _, _, repeat, _ in PAIRS}
    assert ContactMoment.objects.filter(is_repeat=True).count() == 4  # no earlier contact is a repeat


@pytest.mark.django_db
def test_the_report_counts_the_repeats_of_the_weeks_with_a_clock_change(pairs):
    team, _ = pairs

    def repeats(year, number):
        report = weekly_report(week=IsoWeek(year, number), team=None, now=NOW, teams=[team], with_people=False)
        return report.current["repeat"], report.current["inbound"]

    # week 13 (23–29 March): earlier contacts of 24 March ×2 (no repeats), sun-sun-spring (repeat), the hour
    # later (not)
    assert repeats(2026, 13) == (1, 4)
    # week 14 (30 March – 5 April): tue-tue-spring (repeat), tue-tue-spring-minute-late (not)
    assert repeats(2026, 14) == (1, 2)
    # week 43 (19–25 October): earlier contacts of 20 October ×2 (no repeats), sun-sun-autumn (repeat)
    assert repeats(2026, 43) == (1, 3)
    # week 44 (26 October – 1 November): tue-tue-autumn (repeat), the minute late (not)
    assert repeats(2026, 44) == (1, 2)


@pytest.mark.django_db
def test_rows_of_the_old_24_hour_rule_are_counted_from_the_contacts_until_the_rebuild(pairs):
    team, later = pairs
    # As the database stood before the upgrade: flags of 24-hour days, rows marked with that rule.
    old = {
        "tue-tue-spring-minute-late": True,
        "sun-sun-spring-hour-later": True,
        "tue-tue-autumn": False,
        "sun-sun-autumn": False,
    }
    for name, flag in old.items():
        ContactMoment.objects.filter(pk=later[name].pk).update(is_repeat=flag)
    WeeklySummary.objects.update(repeat_rule="elapsed")
    buckets_recompute({(week_of(m.occurred_at), m.team_id, m.logged_by_id) for m in ContactMoment.objects.all()})
    week44 = IsoWeek(2026, 44)
    rows = WeeklySummary.objects.filter(week=week44.monday)
    assert sum(row.counts["repeat"] for row in rows) == 0  # the rows hold the old rule's count, and say so
    assert {row.repeat_rule for row in rows} == {"elapsed"}  # upkeep did not mark them current

    stale = weekly_report(week=week44, team=None, now=NOW, teams=[team], with_people=False).current["repeat"]
    call_command("report_summaries_rebuild", stdout=io.StringIO())
    rebuilt = weekly_report(week=week44, team=None, now=NOW, teams=[team], with_people=False).current["repeat"]

    assert stale == rebuilt == 1  # tue-tue-autumn, by the rule as it is now, before and after
    assert set(WeeklySummary.objects.values_list("repeat_rule", flat=True)) == {REPEAT_RULE}
    assert ContactMoment.objects.get(pk=later["tue-tue-autumn"].pk).is_repeat is True
    assert ContactMoment.objects.get(pk=later["sun-sun-spring-hour-later"].pk).is_repeat is False


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (local(3, 31, 10), local(3, 24, 10)),
        (local(10, 27, 10), local(10, 20, 10)),
        # 5 April 02:30: 29 March 02:30 never happened (the clocks skipped it): the hour after, 03:30 summer time
        (local(4, 5, 2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # 1 November 02:30: 25 October 02:30 happened twice: the second time, 02:30 winter time (01:30 UTC)
        (local(11, 1, 2, 30), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ],
)
def test_seven_local_days_before_in_python_and_for_sqlite(when, expected):
    assert local_days_before(when, 7) == expected
    stored = str(when.astimezone(UTC).replace(tzinfo=None))  # as Django stores a datetime in SQLite
    assert _sqlite_local_days_before(stored, "Europe/Amsterdam", 7) == str(
        expected.astimezone(UTC).replace(tzinfo=None)
    )


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL's AT TIME ZONE")
@pytest.mark.parametrize(
    "when", [local(3, 31, 10), local(10, 27, 10), local(4, 5, 2, 30), local(11, 1, 2, 30), local(11, 1, 2, 59)]
)
def test_python_and_postgresql_agree_on_seven_local_days_before(when):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ((%s::timestamptz AT TIME ZONE %s) - make_interval(days => 7)) AT TIME ZONE %s",
            [when, "Europe/Amsterdam", "Europe/Amsterdam"],
        )
        in_sql = cursor.fetchone()[0]

    assert local_days_before(when, 7) == in_sql

"""The coaching cards, counted by hand (see conftest.py for the desk and its periods)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coaching.selectors import median, shown, team_cards
from reports.closing import week_close
from reports.closing import weekly_report as closed_weekly_report
from reports.models import ClosedWeek
from reports.selectors import weekly_report
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, UserFactory
from .conftest import NOW, at

pytestmark = pytest.mark.django_db

KEYS = ["sentiment_lift", "helped_share", "promises_on_time_share", "checkins_on_time_share", "compliments"]


def _table(cards, weeks):
    """{username: {figure: (value, base)}} and {figure: median} of one period."""
    people, medians = {}, {}
    for card in cards.cards:
        people[card.person.username] = {v.figure.key: (v.value, v.base) for v in card.periods[weeks]}
        medians = {v.figure.key: v.median for v in card.periods[weeks]}
    return people, medians


def test_four_weeks_counted_by_hand(desk):
    people, medians = _table(team_cards(team=desk.north, now=NOW), 4)

    assert list(people) == ["anna", "bram", "cees"]  # alphabetical, never by a figure
    assert people["anna"] == {
        "sentiment_lift": (Decimal("1.00"), 2),  # (4 + 3) / 2 − (2 + 3) / 2
        "helped_share": (Decimal("50.0"), 2),
        "promises_on_time_share": (Decimal("50.0"), 2),  # kept exactly at the due time; the other a minute late
        "checkins_on_time_share": (Decimal("100.0"), 1),  # the superseded one is not due
        "compliments": (1, None),  # her compliment for Zuid is not on her Noord card
    }
    assert people["bram"] == {
        "sentiment_lift": (Decimal("0.50"), 2),  # Sunday 23:30 is still week 45; Monday 00:30 is not
        "helped_share": (Decimal("100.0"), 1),
        "promises_on_time_share": (Decimal("100.0"), 1),
        "checkins_on_time_share": (Decimal("0.0"), 1),
        "compliments": (0, None),
    }
    assert people["cees"] == {
        "sentiment_lift": (None, 0),
        "helped_share": (None, 0),
        "promises_on_time_share": (Decimal("0.0"), 1),  # broken
        "checkins_on_time_share": (None, 0),
        "compliments": (0, None),
    }
    # Even number of values: halfway between the middle two; odd: the middle one; None left out
    assert medians == {
        "sentiment_lift": Decimal("0.75"),
        "helped_share": Decimal("75.0"),
        "promises_on_time_share": Decimal("50.0"),
        "checkins_on_time_share": Decimal("50.0"),
        "compliments": 0,
    }


def test_twelve_weeks_counted_by_hand(desk):
    people, medians = _table(team_cards(team=desk.north, now=NOW), 12)

    assert people["anna"] == {
        "sentiment_lift": (Decimal("2.00"), 3),  # 12 / 3 − 6 / 3
        "helped_share": (Decimal("66.7"), 3),
        "promises_on_time_share": (Decimal("50.0"), 2),
        "checkins_on_time_share": (Decimal("50.0"), 2),  # the week-36 one is still open: overdue
        "compliments": (2, None),
    }
    assert medians == {
        "sentiment_lift": Decimal("1.25"),
        "helped_share": Decimal("83.3"),  # (66.67 + 100) / 2
        "promises_on_time_share": Decimal("50.0"),
        "checkins_on_time_share": Decimal("25.0"),
        "compliments": 0,
    }


def test_one_person_sees_their_own_card_beside_the_whole_teams_median(desk):
    cards = team_cards(team=desk.north, now=NOW, only=desk.users["bram"])

    people, medians = _table(cards, 4)
    assert list(people) == ["bram"]
    assert medians["sentiment_lift"] == Decimal("0.75")


def test_the_card_agrees_with_the_weekly_reports_per_person_table(desk):
    # The report's per-person figures of weeks 42–45, added up by hand, are the card's four weeks
    weeks = [IsoWeek(2026, n) for n in (42, 43, 44, 45)]
    reports = [weekly_report(week=w, team=desk.north, now=NOW, teams=[desk.north], with_people=True) for w in weeks]

    def total(username, key):
        return sum(f[key] or 0 for r in reports for user, f in r.people if user and user.username == username)

    people, _ = _table(team_cards(team=desk.north, now=NOW), 4)
    assert (
        (total("anna", "helped_asked"), total("anna", "compliments"))
        == (2, 1)
        == (people["anna"]["helped_share"][1], 1)
    )
    assert total("anna", "promises_due") == people["anna"]["promises_on_time_share"][1] == 2
    assert total("anna", "kept_on_time") == 1
    assert total("anna", "checkins_due") == people["anna"]["checkins_on_time_share"][1] == 1
    assert total("bram", "checkins_late") == 1
    assert total("cees", "broken") == 1
    # week 45 alone: the report's share is the card's when the period holds one week of work
    w45 = {user.username: f for user, f in reports[-1].people if user}
    assert w45["anna"]["helped_share"] == 100.0 and w45["bram"]["helped_share"] == 100.0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([3], 3),
        ([1, 3], 2),
        ([5, 1, 3], 3),
        ([4, 1, 3, 2], Fraction(5, 2)),
        ([None, 2, None], 2),
        ([None], None),
        ([], None),
    ],
)
def test_the_median_at_odd_and_even_team_sizes(values, expected):
    assert median(values) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Fraction(25, 8), "lift", Decimal("3.13")),  # 3.125: half up, not to even
        (Fraction(23, 8), "lift", Decimal("2.88")),
        (Fraction(-1, 8), "lift", Decimal("-0.13")),
        (Fraction(1001, 20), "%", Decimal("50.1")),  # 50.05
        (Fraction(200, 3), "%", Decimal("66.7")),
        (7, "", 7),
        (None, "%", None),
    ],
)
def test_figures_round_half_up(value, unit, expected):
    assert shown(value, unit) == expected


def test_closed_weeks_are_read_as_they_were_closed_and_cost_fewer_queries(desk):
    """Weeks 34–45 closed on their Mondays: the card reads their closings, as their reports do, so a contact of
    week 45 logged after the closing changes neither, and the twelve weeks are one query."""
    before = {n: _table(team_cards(team=desk.north, now=NOW), n) for n in (4, 12)}
    with CaptureQueriesContext(connection) as live:
        team_cards(team=desk.north, now=NOW)
    for n in range(34, 46):
        week = IsoWeek(2026, n)
        week_close(week=week, now=week.end, actor=desk.users["mila"], how=ClosedWeek.How.SWEEP)
    ContactMomentFactory(
        customer=CustomerFactory(), logged_by=desk.users["anna"], team=desk.north, occurred_at=at(11, 6),
        sentiment_start=1, sentiment_end=5, fully_helped=False, is_compliment=True,
    )  # fmt: skip

    with CaptureQueriesContext(connection) as closed:
        cards = team_cards(team=desk.north, now=NOW)
    assert {n: _table(cards, n) for n in (4, 12)} == before
    assert len(closed) == 2 < len(live)  # the people, and the twelve closings (only the team's part of each)
    report, _closing = closed_weekly_report(
        week=IsoWeek(2026, 45), team=desk.north, now=NOW, teams=[desk.north], with_people=True
    )
    anna = next(f for user, f in report.people if user and user.username == "anna")
    assert anna["compliments"] == 1  # the report of week 45 still says what it said on Monday, as the card does
    # Counted from the rows, as a week nobody closed is, the late contact is there
    live_now = weekly_report(week=IsoWeek(2026, 45), team=desk.north, now=NOW, teams=[desk.north], with_people=True)
    assert next(f for u, f in live_now.people if u and u.username == "anna")["compliments"] == 2


def test_some_weeks_closed_and_the_rest_counted_add_up_to_the_same_card(desk):
    before = {n: _table(team_cards(team=desk.north, now=NOW), n) for n in (4, 12)}
    for n in (40, 44, 45):  # the Monday sweep was down in the weeks between
        week = IsoWeek(2026, n)
        week_close(week=week, now=week.end, actor=desk.users["mila"], how=ClosedWeek.How.SWEEP)
    assert {n: _table(team_cards(team=desk.north, now=NOW), n) for n in (4, 12)} == before


def test_the_query_count_does_not_grow_with_the_team(desk):
    with CaptureQueriesContext(connection) as small:
        team_cards(team=desk.north, now=NOW)
    for n in range(4):
        person = UserFactory(username=f"extra{n}")
        desk.north.members.add(person)
        ContactMomentFactory(customer=CustomerFactory(), logged_by=person, team=desk.north, occurred_at=at(11, 5))
    with CaptureQueriesContext(connection) as large:
        team_cards(team=desk.north, now=NOW)
    assert len(large) == len(small)

"""How long a handover may wait and how long it waited, in the desk's business hours (followups.planning).

Every expected value is counted by hand on the calendar: opening hours 09:00–17:00 (Europe/Amsterdam), weekdays
without Dutch public holidays.
"""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followups.planning import (
    OpeningHours,
    business_hours_add,
    business_hours_between,
    handover_accept_by,
    handover_waited,
)

AMS = ZoneInfo("Europe/Amsterdam")
NINE_TO_FIVE = OpeningHours(time(9), time(17))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def between(start, end):
    return business_hours_between(start, end, country="NL", opening=NINE_TO_FIVE, zone=AMS)


def hours(h, m=0) -> timedelta:
    return timedelta(hours=h, minutes=m)


def test_within_a_day_it_is_plain_subtraction():
    assert between(at(2026, 11, 23, 10, 0), at(2026, 11, 23, 12, 30)) == hours(2, 30)


def test_friday_afternoon_to_monday_morning_counts_the_two_ends():
    # Friday 16:30–17:00 and Monday 09:00–09:30
    assert between(at(2026, 11, 27, 16, 30), at(2026, 11, 30, 9, 30)) == hours(1)


def test_a_whole_friday_and_a_whole_monday():
    assert between(at(2026, 11, 27, 9, 0), at(2026, 11, 30, 17, 0)) == hours(16)


def test_before_opening_and_after_closing_do_not_count():
    assert between(at(2026, 11, 24, 7, 0), at(2026, 11, 24, 10, 0)) == hours(1)
    assert between(at(2026, 11, 24, 16, 0), at(2026, 11, 24, 20, 0)) == hours(1)
    assert between(at(2026, 11, 24, 20, 0), at(2026, 11, 25, 8, 0)) == timedelta(0)


def test_a_public_holiday_does_not_count():
    # King's Day, Monday 27 April 2026: Friday 16:00–17:00 and Tuesday 09:00–10:00
    assert between(at(2026, 4, 24, 16, 0), at(2026, 4, 28, 10, 0)) == hours(2)


def test_the_clocks_going_back_do_not_move_the_opening():
    # Summer time ends on Sunday 25 October 2026: Friday 16:00–17:00 (+02:00), Monday 09:00–10:00 (+01:00)
    start, end = at(2026, 10, 23, 16, 0), at(2026, 10, 26, 10, 0)
    assert (start.utcoffset(), end.utcoffset()) == (hours(2), hours(1))
    assert between(start, end) == hours(2)


def test_the_clocks_going_forward_do_not_move_the_opening():
    # Summer time starts on Sunday 29 March 2026: Friday 16:00–17:00, Monday 09:00–10:00
    assert between(at(2026, 3, 27, 16, 0), at(2026, 3, 30, 10, 0)) == hours(2)


def test_nothing_when_the_end_is_not_after_the_start():
    assert between(at(2026, 11, 24, 12, 0), at(2026, 11, 24, 12, 0)) == timedelta(0)
    assert between(at(2026, 11, 24, 12, 0), at(2026, 11, 24, 11, 0)) == timedelta(0)


def test_times_in_another_zone_are_the_same_instants():
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
    assert between(start, at(2026, 11, 24, 12, 0)) == hours(2)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        between(datetime(2026, 11, 24, 9, 0), at(2026, 11, 24, 12, 0))


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    minutes=st.integers(min_value=0, max_value=4 * 40).map(lambda quarters: quarters * 15),  # exact in Decimal
)
def test_it_is_the_inverse_of_adding_business_hours(start, minutes):
    start = start.replace(tzinfo=AMS)
    end = business_hours_add(start, Decimal(minutes) / 60, country="NL", opening=NINE_TO_FIVE, zone=AMS)
    assert between(start, end) == timedelta(minutes=minutes)


# --- The setting: HANDOVER_ESCALATE_AFTER_HOURS (default 2) -------------------------


@pytest.mark.django_db  # the desk's opening hours: the managers' setting, else DESK_OPENING_HOURS
def test_a_handover_may_wait_two_business_hours_by_default(settings):
    settings.DESK_OPENING_HOURS = "09:00-17:00"
    assert settings.HANDOVER_ESCALATE_AFTER_HOURS == 2
    assert handover_accept_by(at(2026, 11, 24, 10, 15)) == at(2026, 11, 24, 12, 15)
    assert handover_accept_by(at(2026, 11, 27, 16, 30)) == at(2026, 11, 30, 10, 30)  # Friday → Monday
    assert handover_accept_by(at(2026, 11, 24, 22, 0)) == at(2026, 11, 25, 11, 0)  # at night: from the opening


@pytest.mark.django_db  # the desk's opening hours: the managers' setting, else DESK_OPENING_HOURS
def test_the_limit_follows_the_setting_and_the_opening_hours(settings):
    settings.HANDOVER_ESCALATE_AFTER_HOURS = 0.5
    settings.DESK_OPENING_HOURS = "08:00-16:00"
    assert handover_accept_by(at(2026, 11, 24, 15, 45)) == at(2026, 11, 25, 8, 15)


@pytest.mark.django_db  # the desk's opening hours: the managers' setting, else DESK_OPENING_HOURS
def test_how_long_a_handover_waited_is_counted_in_the_desks_hours(settings):
    settings.DESK_OPENING_HOURS = "09:00-17:00"
    assert handover_waited(at(2026, 11, 27, 16, 30), at(2026, 11, 30, 9, 30)) == hours(1)

"""Business-hours arithmetic (followups.planning.business_hours_add): opening hours on business days only."""

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followups.planning import OpeningHours, business_hours_add, is_business_day

AMS = ZoneInfo("Europe/Amsterdam")
NINE_TO_FIVE = OpeningHours(time(9), time(17))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def add(start, hours, opening=NINE_TO_FIVE):
    return business_hours_add(start, hours, country="NL", opening=opening, zone=AMS)


def test_friday_half_past_four_plus_two_hours_is_monday_half_past_ten():
    assert add(at(2026, 11, 27, 16, 30), 2) == at(2026, 11, 30, 10, 30)


def test_within_the_day_it_is_plain_addition():
    assert add(at(2026, 11, 25, 10, 15), 2) == at(2026, 11, 25, 12, 15)


def test_before_opening_it_counts_from_the_opening():
    assert add(at(2026, 11, 25, 7, 5), 2) == at(2026, 11, 25, 11, 0)


def test_after_closing_it_counts_from_the_next_opening():
    assert add(at(2026, 11, 25, 19, 0), 2) == at(2026, 11, 26, 11, 0)


def test_a_weekend_start_counts_from_monday():
    assert add(at(2026, 11, 28, 12, 0), Decimal("1.5")) == at(2026, 11, 30, 10, 30)


def test_a_public_holiday_does_not_count():
    # King's Day, Monday 27 April 2026; a call on Friday 24 April at 16:00 + 2h ends Tuesday 10:00
    assert not is_business_day(at(2026, 4, 27, 12, 0).date(), "NL")
    assert add(at(2026, 4, 24, 16, 0), 2) == at(2026, 4, 28, 10, 0)


def test_a_call_on_the_holiday_itself_counts_from_the_next_business_day():
    assert add(at(2026, 12, 25, 10, 0), 2) == at(2026, 12, 28, 11, 0)  # Christmas, Boxing Day, a Sunday


def test_closing_time_itself_is_a_due_time():
    assert add(at(2026, 11, 25, 15, 0), 2) == at(2026, 11, 25, 17, 0)


def test_zero_hours_outside_opening_hours_is_the_next_opening():
    assert add(at(2026, 11, 25, 20, 0), 0) == at(2026, 11, 26, 9, 0)


def test_across_the_spring_clock_change_the_opening_stays_at_nine_local():
    # Clocks go forward on Sunday 29 March 2026 (02:00 → 03:00). Friday 16:00 + 2h = Monday 10:00 local,
    # which is 08:00 UTC (summer time) where Friday 16:00 was 15:00 UTC (winter time).
    due = add(at(2026, 3, 27, 16, 0), 2)
    assert due == at(2026, 3, 30, 10, 0)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_across_the_autumn_clock_change_the_opening_stays_at_nine_local():
    # Clocks go back on Sunday 25 October 2026 (03:00 → 02:00).
    due = add(at(2026, 10, 23, 16, 30), 2)
    assert due == at(2026, 10, 26, 10, 30)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 9, 30, tzinfo=UTC)


def test_a_utc_start_is_read_in_the_desk_time_zone_and_answered_there():
    due = add(datetime(2026, 11, 27, 15, 30, tzinfo=UTC), 2)  # 16:30 in Amsterdam
    assert due == at(2026, 11, 30, 10, 30)
    assert due.tzinfo == AMS


@pytest.mark.parametrize("hours", [-1, float("nan"), float("inf"), Decimal("NaN")])
def test_impossible_hours_are_refused(hours):
    with pytest.raises(ValueError):
        add(at(2026, 11, 25, 10, 0), hours)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        add(datetime(2026, 11, 25, 10, 0), 2)


@pytest.mark.parametrize(
    "text", ["", "9-17", "17:00-09:00", "09:00-09:00", "24:00-25:00", "０９:００-17:00", "09:00-17:00x"]
)
def test_opening_hours_that_are_not_are_refused(text):
    with pytest.raises(ValueError):
        OpeningHours.parse(text)


def test_opening_hours_parse():
    assert OpeningHours.parse(" 08:30-17:45 ") == OpeningHours(time(8, 30), time(17, 45))


@pytest.mark.parametrize(("name", "value"), [("DESK_OPENING_HOURS", "17:00-09:00"), ("CALLBACK_BUSINESS_HOURS", "0")])
def test_the_settings_are_checked_at_startup(name, value):
    # In a process of its own: settings are read once per process.
    env = {**os.environ, name: value, "DEBUG": "1"}
    started = subprocess.run(
        [sys.executable, "-c", "import contactcare.settings"], env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr and name in started.stderr


# --- Properties -------------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(AMS)).filter(
    lambda moment: moment.utcoffset() is not None
)
hours = st.decimals(min_value=0, max_value=60, places=2)
openings = st.sampled_from([NINE_TO_FIVE, OpeningHours(time(8, 30), time(12)), OpeningHours(time(0, 30), time(23))])


@settings(max_examples=300, deadline=None)
@given(start=starts, amount=hours, opening=openings)
def test_the_answer_is_no_earlier_than_the_start_and_inside_opening_hours_on_a_business_day(start, amount, opening):
    due = add(start, amount, opening)
    assert due >= start
    local = due.astimezone(AMS)
    assert is_business_day(local.date(), "NL")
    assert opening.opens <= local.time() <= opening.closes


@settings(max_examples=300, deadline=None)
@given(start=starts, first=hours, second=hours)
def test_more_hours_never_end_earlier(start, first, second):
    low, high = sorted([first, second])
    assert add(start, low) <= add(start, high)


@settings(max_examples=200, deadline=None)
@given(start=starts, minutes=st.integers(min_value=0, max_value=60 * 24 * 10), amount=hours)
def test_a_later_start_never_ends_earlier(start, minutes, amount):
    assert add(start, amount) <= add(start + timedelta(minutes=minutes), amount)


@settings(max_examples=200, deadline=None)
@given(start=starts, first=hours, second=hours)
def test_adding_in_two_steps_is_adding_once(start, first, second):
    assert add(add(start, first), second) == add(start, first + second)

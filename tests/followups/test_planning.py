"""Due dates: business days, Dutch public holidays, calendar days, the desk's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from followups.planning import Offset, due_date, kind_label, offsets_parse

DAY3, WEEK6 = Offset(3, "d"), Offset(6, "w")


def business(start, offset):
    return due_date(start, offset, business_days=True, country="NL")


def test_friday_plus_three_business_days_is_wednesday():
    assert business(date(2026, 11, 20), DAY3) == date(2026, 11, 25)


def test_a_contact_on_christmas_eve_plans_around_christmas_and_boxing_day():
    # 25 and 26 December are holidays, 27/28 a weekend: Mon 29, Tue 30, Wed 31
    assert business(date(2025, 12, 24), DAY3) == date(2025, 12, 31)


def test_a_week_six_date_on_kings_day_moves_to_the_next_business_day():
    # 16 March 2026 + 6 weeks = Monday 27 April, King's Day
    assert business(date(2026, 3, 16), WEEK6) == date(2026, 4, 28)


def test_a_week_six_date_on_a_weekend_moves_to_monday():
    assert business(date(2026, 10, 10), WEEK6) == date(2026, 11, 23)  # Sat 21 Nov → Mon 23 Nov


def test_business_days_skip_good_friday_and_easter_monday():
    # Thursday 2 April 2026: Good Friday 3, the weekend, Easter Monday 6; then Tue 7, Wed 8, Thu 9
    assert business(date(2026, 4, 2), DAY3) == date(2026, 4, 9)


def test_calendar_day_policies_ignore_weekends_and_holidays():
    assert due_date(date(2026, 3, 16), WEEK6, business_days=False, country="NL") == date(2026, 4, 27)
    assert due_date(date(2025, 12, 24), DAY3, business_days=False, country="NL") == date(2025, 12, 27)


def test_another_countrys_holidays_apply_when_the_policy_says_so():
    # 1 November is All Saints' Day in Belgium, not in the Netherlands
    assert due_date(date(2027, 10, 28), DAY3, business_days=True, country="BE") == date(2027, 11, 3)
    assert due_date(date(2027, 10, 28), DAY3, business_days=True, country="NL") == date(2027, 11, 2)


@pytest.mark.parametrize(
    "text,expected",
    [("3d, 6w", ["3d", "6w"]), ("6w;3d", ["3d", "6w"]), (" 10D ", ["10d"]), ("2w,1d,5d", ["1d", "5d", "2w"])],
)
def test_offsets_are_parsed_and_ordered(text, expected):
    assert [offset.kind for offset in offsets_parse(text)] == expected


@pytest.mark.parametrize("text", ["", " , ", "-3d", "3", "3x", "0d", "3d, 3d", "60w", "three days"])
def test_bad_offsets_are_refused_with_a_message(text):
    with pytest.raises(ValueError, match=r"\w"):
        offsets_parse(text)


def test_kinds_read_as_day_and_week():
    with translation.override("en"):
        assert (kind_label("3d"), kind_label("6w")) == ("day 3", "week 6")


def test_the_local_date_of_a_late_contact_is_the_desks_date():
    amsterdam = ZoneInfo("Europe/Amsterdam")
    # 00:30 on Monday in Amsterdam is still Sunday in UTC
    moment = datetime(2025, 10, 27, 0, 30, tzinfo=amsterdam)
    assert moment.astimezone(ZoneInfo("UTC")).date() == date(2025, 10, 26)
    assert business(moment.date(), DAY3) == date(2025, 10, 30)

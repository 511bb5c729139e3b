"""Reply terms (followups.planning): business days and hours in the desk's opening hours, hand-computed.

"1 business day" is one whole day of opening hours (8 hours at 09:00-17:00),
counted by `business_hours_add` on NL business days. Every expected time
below was worked out by hand from a calendar; none is computed by the code
under test.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from followups.planning import (
    DEFAULT_REPLY_TERMS,
    OpeningHours,
    Term,
    desk_from,
    is_business_day,
    keep_informed_due,
    kind_label,
    term_due,
    term_parse,
)

AMS = ZoneInfo("Europe/Amsterdam")
NINE_TO_FIVE = OpeningHours(time(9), time(17))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def due(start, text, opening=NINE_TO_FIVE):
    return term_due(start, term_parse(text), country="NL", opening=opening, zone=AMS)


def test_an_email_on_friday_1655_before_whit_monday_is_due_tuesday_1655():
    # Friday 22 May 2026, 16:55. Whit Monday 25 May 2026 is a Dutch public holiday (Pentecost is Sunday 24 May).
    # One business day = 8 opening hours: 5 minutes on Friday (16:55-17:00), Saturday, Sunday and Whit Monday
    # do not count, then 7 h 55 min on Tuesday 26 May from 09:00: 16:55.
    assert not is_business_day(date(2026, 5, 25), "NL")
    assert due(at(2026, 5, 22, 16, 55), "1d") == at(2026, 5, 26, 16, 55)


def test_one_business_day_within_the_week_is_the_same_time_next_day():
    assert due(at(2026, 11, 24, 10, 12), "1d") == at(2026, 11, 25, 10, 12)  # Tuesday → Wednesday 25 November


def test_a_letter_on_thursday_with_five_business_days_is_due_the_next_thursday():
    assert due(at(2026, 11, 19, 14, 0), "5d") == at(2026, 11, 26, 14, 0)


def test_an_email_at_night_is_due_at_the_end_of_the_next_business_day():
    # Monday 23:10: counting starts Tuesday 09:00; 8 hours later is Tuesday 17:00 (closing time itself).
    assert due(at(2026, 11, 23, 23, 10), "1d") == at(2026, 11, 24, 17, 0)


def test_four_business_hours_on_social_media_cross_the_night():
    # Wednesday 15:30: 1 h 30 min until 17:00, then 2 h 30 min on Thursday from 09:00: 11:30.
    assert due(at(2026, 11, 25, 15, 30), "4h") == at(2026, 11, 26, 11, 30)


def test_a_business_day_is_a_day_of_the_desks_own_opening_hours():
    # 08:30-12:00 is 3.5 hours a day: Monday 11:00 + 1 day = 1 h on Monday, 2.5 h on Tuesday from 08:30 = 11:00.
    half_days = OpeningHours(time(8, 30), time(12, 0))
    assert half_days.day_hours == Decimal("3.5")
    assert due(at(2026, 11, 23, 11, 0), "1d", half_days) == at(2026, 11, 24, 11, 0)


def test_one_business_day_across_the_spring_clock_change_is_the_same_wall_clock_time():
    # Clocks go forward on Sunday 29 March 2026. Friday 27 March 16:30 CET (15:30 UTC) + 1 business day:
    # 30 minutes on Friday, 7 h 30 min on Monday from 09:00 CEST = 16:30 CEST, 14:30 UTC.
    answer = due(at(2026, 3, 27, 16, 30), "1d")
    assert answer == at(2026, 3, 30, 16, 30)
    assert answer.astimezone(UTC) == datetime(2026, 3, 30, 14, 30, tzinfo=UTC)


def test_one_business_day_across_the_autumn_clock_change_is_the_same_wall_clock_time():
    # Clocks go back on Sunday 25 October 2026. Friday 23 October 10:00 CEST (08:00 UTC) + 1 business day =
    # Monday 26 October 10:00 CET (09:00 UTC): 25 hours of real time later, 8 of them opening hours.
    answer = due(at(2026, 10, 23, 10, 0), "1d")
    assert answer == at(2026, 10, 26, 10, 0)
    assert answer.astimezone(UTC) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_business_hours_across_the_autumn_clock_change_count_real_hours_within_the_opening():
    # Friday 23 October 2026 16:00 + 4h: 1 h on Friday, 3 h on Monday 26 October from 09:00 CET = 12:00.
    assert due(at(2026, 10, 23, 16, 0), "4h") == at(2026, 10, 26, 12, 0)


@pytest.mark.parametrize(
    ("text", "term"),
    [("1d", Term(1, "d")), (" 5 D ", Term(5, "d")), ("4h", Term(4, "h")), ("60d", Term(60, "d")), ("", None)],
)
def test_terms_are_read(text, term):
    assert term_parse(text) == term


@pytest.mark.parametrize("text", ["0d", "61d", "201h", "1w", "d", "1.5d", "-1d", "１d", "1d4h", "x" * 5000])
def test_terms_that_are_none_are_refused_with_a_message(text):
    with translation.override("en"), pytest.raises(ValueError) as refused:
        term_parse(text)
    assert "reply term" in str(refused.value)


def test_the_default_terms_are_email_a_day_letter_five_days_social_four_hours_and_no_other_channel():
    desk = desk_from(keep_informed_days=3)
    assert DEFAULT_REPLY_TERMS == {"email": "1d", "letter": "5d", "social": "4h"}
    assert desk.reply_term("email") == Term(1, "d")
    assert desk.reply_term("letter") == Term(5, "d")
    assert desk.reply_term("social") == Term(4, "h")
    assert [desk.reply_term(channel) for channel in ("phone", "chat", "desk")] == [None, None, None]


def test_stored_values_that_cannot_be_read_fall_back_and_never_break(settings):
    settings.DESK_OPENING_HOURS = "08:00-16:00"
    desk = desk_from(opening_hours="17:00-09:00", reply_terms={"email": "soon", "letter": "2d"}, keep_informed_days=999)
    assert desk.opening == OpeningHours(time(8), time(16))
    assert desk.reply_term("email") is None and desk.reply_term("letter") == Term(2, "d")
    assert desk.keep_informed_days is None


def test_keep_informed_updates_are_due_three_business_days_later():
    assert keep_informed_due(date(2026, 11, 20), 3, country="NL") == date(2026, 11, 25)  # Friday → Wednesday
    # Wednesday 23 December 2026: Thursday 24 (1), Christmas and Boxing Day, the weekend, Monday 28 (2), Tuesday 29 (3)
    assert keep_informed_due(date(2026, 12, 23), 3, country="NL") == date(2026, 12, 29)


def test_the_kind_of_a_keep_informed_check_in_reads_in_both_languages():
    with translation.override("en"):
        assert kind_label("update") == "keep informed"
    with translation.override("nl"):
        assert kind_label("update") == "op de hoogte houden"

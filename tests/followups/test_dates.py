"""Due times as people type them, and the quick picks next to the field."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followups.dates import due_parse, due_quick_picks

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Wednesday 19 November 2025, 14:07 at the desk
NOW = datetime(2025, 11, 19, 14, 7, tzinfo=AMSTERDAM)


def at(year, month, day, hour=9, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    "typed,due",
    [
        ("2025-11-25T14:00", at(2025, 11, 25, 14)),  # what a datetime-local input or a test sends
        ("2025-11-25 14:00", at(2025, 11, 25, 14)),
        ("25-11", at(2025, 11, 25)),  # no time: 09:00
        ("25-11 14:00", at(2025, 11, 25, 14)),
        ("25/11 14.30", at(2025, 11, 25, 14, 30)),
        ("25-11-2026 8:15", at(2026, 11, 25, 8, 15)),
        ("26-11-2025 09:00", at(2025, 11, 26)),  # what a quick pick writes
        ("1-2", at(2026, 2, 1)),  # passed this year: next year's
        ("19-11 16:00", at(2025, 11, 19, 16)),  # today is still this year's
        ("18-11", at(2026, 11, 18)),
        ("29-02", None),  # neither this year nor next has one
        ("31-04", None),
        ("vandaag 16:00", at(2025, 11, 19, 16)),
        ("today 16:00", at(2025, 11, 19, 16)),
        ("morgen 10:00", at(2025, 11, 20, 10)),
        ("Morgen om 10:00", at(2025, 11, 20, 10)),
        ("tomorrow at 10", at(2025, 11, 20, 10)),
        ("morgen 10u", at(2025, 11, 20, 10)),
        ("morgen", at(2025, 11, 20)),
        ("overmorgen", at(2025, 11, 21)),
        ("day after tomorrow 11:00", at(2025, 11, 21, 11)),
        ("vrijdag 9:00", at(2025, 11, 21, 9)),
        ("friday 9:00", at(2025, 11, 21, 9)),
        ("vr", at(2025, 11, 21)),
        ("maandag", at(2025, 11, 24)),
        ("woensdag 16:00", at(2025, 11, 26, 16)),  # a weekday is never today: next week's
        ("  morgen   10:00 ", at(2025, 11, 20, 10)),
        ("morgen 24:00", None),
        ("morgen 10:60", None),
        ("na de vakantie", None),
        ("", None),
        ("32-01", None),
        ("0000-01-01T00:00", None),
        ("9999-12-31T23:59", None),
        ("morgen 10:00 of 11:00", None),
    ],
)
def test_typed_due_times(typed, due):
    assert due_parse(typed, now=NOW) == due


@given(st.text(max_size=60))
def test_the_parser_never_raises_on_any_text(text):
    result = due_parse(text, now=NOW)
    assert result is None or (result.tzinfo is AMSTERDAM and result.year >= 1900)


@given(st.from_regex(r"\A\d{1,4}[-/. :T]\d{1,4}([-/. :T]\d{1,4}){0,3}\Z"))
def test_the_parser_never_raises_on_number_soup(text):
    result = due_parse(text, now=NOW)
    assert result is None or result.tzinfo is AMSTERDAM


def test_quick_picks_follow_the_business_calendar():
    # Wednesday 24 December 2025, 14:07: Christmas (25th) and Boxing Day (26th) do not count
    picks = {pick.key: pick.due for pick in due_quick_picks(now=at(2025, 12, 24, 14, 7), country="NL")}

    assert picks == {
        "later": at(2025, 12, 24, 16, 15),  # two hours on, rounded up to the quarter
        "tomorrow": at(2025, 12, 25),  # tomorrow is tomorrow, holiday or not
        "business3": at(2025, 12, 31),  # Mon 29, Tue 30, Wed 31
        "next-week": at(2025, 12, 29),
    }


def test_next_week_skips_a_monday_that_is_a_holiday():
    # Thursday 2 April 2026: next Monday is Easter Monday
    picks = {pick.key: pick.due for pick in due_quick_picks(now=at(2026, 4, 2, 10, 0), country="NL")}

    assert picks["next-week"] == at(2026, 4, 7)
    assert picks["later"] == at(2026, 4, 2, 12, 0)  # already on the quarter


def test_a_quick_pick_writes_text_the_parser_reads_back():
    for pick in due_quick_picks(now=NOW, country="NL"):
        assert due_parse(pick.text, now=NOW) == pick.due

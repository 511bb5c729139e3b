"""Due times as people type and pick them: "morgen 10:00", "25-11", "vrijdag 9:00", and the quick picks.

Pure functions, no database: `now` (aware, in the desk's time zone) decides
"today", and the business calendar is `planning`'s.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _

from .planning import Offset, due_date, next_business_day

MORNING = time(9, 0)  # a due time without a clock time is the start of the desk's day
TEXT_FORMAT = "%d-%m-%Y %H:%M"  # how a due time is written back into the field: day first, as the desk says it
DESK_COUNTRY = "NL"  # the desk's public holidays for the quick picks, as the default check-in policy's
MAX_LENGTH = 40  # nothing a person types as a date is longer; longer text is not read at all

_RELATIVE = {
    "vandaag": 0,
    "today": 0,
    "morgen": 1,
    "tomorrow": 1,
    "overmorgen": 2,
    "day after tomorrow": 2,
}
_WEEKDAYS = {
    **dict.fromkeys(("maandag", "ma", "monday", "mon"), 0),
    **dict.fromkeys(("dinsdag", "di", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("woensdag", "wo", "wednesday", "wed"), 2),
    **dict.fromkeys(("donderdag", "do", "thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("vrijdag", "vr", "friday", "fri"), 4),
    **dict.fromkeys(("zaterdag", "za", "saturday", "sat"), 5),
    **dict.fromkeys(("zondag", "zo", "sunday", "sun"), 6),
}
_TIME = r"(?:(?:om|at)\s+)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?:u|uur|h)?"
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ t]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?)?")
_DAY_MONTH = re.compile(r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})(?:[-/.](?P<y>\d{4}))?(?:,?\s+" + _TIME + ")?")
_WORDS = re.compile(r"(?P<word>[a-z]+(?: [a-z]+)*?)(?:,?\s+" + _TIME + ")?")


def due_parse(text: str, *, now: datetime) -> datetime | None:
    """What a person typed as a due time, as an aware datetime in `now`'s time zone; None when it is not a date.

    Reads the browser's "2025-11-25T14:00", "25-11" (this year, or next year
    when that day has passed), "25-11-2026", "25-11 14:00", "vandaag 16:00",
    "morgen 10:00" / "tomorrow 10:00", "overmorgen", and weekday names
    ("vrijdag 9:00", "fri"), which mean the first such day after today. Without
    a clock time it is 09:00. Never raises: any text gives a datetime or None.
    """
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return None
    typed = " ".join(text.strip().lower().split())
    if not typed.isascii():
        return None
    today = now.date()
    if match := _ISO.fullmatch(typed):
        return _at(now, _date(match["y"], match["m"], match["d"]), match)
    if match := _DAY_MONTH.fullmatch(typed):
        if match["y"]:
            return _at(now, _date(match["y"], match["m"], match["d"]), match)
        day = _date(today.year, match["m"], match["d"])
        if day is None or day < today:
            day = _date(today.year + 1, match["m"], match["d"])
        return _at(now, day, match)
    if match := _WORDS.fullmatch(typed):
        word = match["word"]
        if word in _RELATIVE:
            return _at(now, today + timedelta(days=_RELATIVE[word]), match)
        if word in _WEEKDAYS:
            ahead = (_WEEKDAYS[word] - today.weekday() - 1) % 7 + 1  # 1..7: never today itself
            return _at(now, today + timedelta(days=ahead), match)
    return None


def _date(year, month, day) -> date | None:
    if not 1900 <= int(year) <= 9998:  # far enough for any promise; keeps UTC conversion in range
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _at(now: datetime, day: date | None, match: re.Match) -> datetime | None:
    if day is None:
        return None
    hour, minute = match["hour"], match["minute"]
    if hour is None:
        clock = MORNING
    elif int(hour) > 23 or int(minute or 0) > 59:
        return None
    else:
        clock = time(int(hour), int(minute or 0))
    return datetime.combine(day, clock, tzinfo=now.tzinfo)


@dataclass(frozen=True)
class QuickPick:
    key: str
    label: str
    due: datetime

    @property
    def text(self) -> str:
        """The value the pick writes into the due field; `due_parse` reads it back."""
        return self.due.strftime(TEXT_FORMAT)


def due_quick_picks(*, now: datetime, country: str) -> list[QuickPick]:
    """The due times offered next to a promise's due field, from `now` in the desk's time zone.

    Later today is two hours on, rounded up to the quarter; the others are at
    09:00: tomorrow, three business days on (weekends and `country`'s public
    holidays do not count), and next week (Monday, or the first business
    day after it when Monday is a holiday).
    """
    later = now.replace(second=0, microsecond=0) + timedelta(hours=2)
    later += timedelta(minutes=-later.minute % 15)
    today = now.date()
    monday = today + timedelta(days=7 - today.weekday())

    def morning(day: date) -> datetime:
        return datetime.combine(day, MORNING, tzinfo=now.tzinfo)

    return [
        QuickPick("later", _("Later today"), later),
        QuickPick("tomorrow", _("Tomorrow morning"), morning(today + timedelta(days=1))),
        QuickPick(
            "business3",
            _("In 3 business days"),
            morning(due_date(today, Offset(3, "d"), business_days=True, country=country)),
        ),
        QuickPick("next-week", _("Next week"), morning(next_business_day(monday, country))),
    ]

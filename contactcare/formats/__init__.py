"""Our date formats per language (contactcare/formats/<lang>/formats.py), and the functions that use them.

`day` and `when` are what every screen, e-mail and message shows: the year
only when it is not the current one, month and day names as the language
writes them ("do 31 dec" in Dutch, "Thu 31 Dec" in English). Templates use
them as the |day and |when filters; Python code (messages) calls them.
"""

from datetime import date, datetime
from functools import lru_cache

from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format_modules


def _local_format(name: str) -> str:
    """One of our own date formats (DAY_FORMAT, WHEN_FORMAT, …) in the active language (contactcare/formats)."""
    for module in get_format_modules(lang=translation.get_language()):
        pattern = getattr(module, name, None)
        if pattern is not None:
            return pattern
    return getattr(get_format_modules(lang="en")[0], name)


@lru_cache(maxsize=4096)
def _formatted(value, zone, pattern: str, language: str | None) -> str:
    """`value` in `pattern`, remembered: a list shows the same few days on many rows (issue 11).

    The key holds everything the text depends on: the value, its time zone
    (aware datetimes that are the same instant compare equal across zones),
    the pattern and the language of the month and day names.
    """
    return dateformat.format(value, pattern)


def _format(value, name: str) -> str:
    language = translation.get_language()
    zone = value.tzinfo if isinstance(value, datetime) else None
    return _formatted(value, zone, _local_format(name), language)


def _local_day(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def day(value) -> str:
    """A day as people read it: "Thu 31 Dec" this year, "Thu 31 Dec 2099" in any other (Dutch: "do 31 dec")."""
    if not value:
        return ""
    value = _local_day(value)
    this_year = value.year == timezone.localdate().year
    return _format(value, "DAY_FORMAT" if this_year else "DAY_YEAR_FORMAT")


def when(value) -> str:
    """A moment (a due time) in the desk's time zone: "Thu 31 Dec 10:00", with the year when not this year."""
    if not value:
        return ""
    value = timezone.localtime(value)
    this_year = value.year == timezone.localdate().year
    return _format(value, "WHEN_FORMAT" if this_year else "WHEN_YEAR_FORMAT")


def long_day(value) -> str:
    """A day written out, as in a sentence to a customer: "Wednesday 25 November" this year, with the year in
    any other ("woensdag 25 november 2099" in Dutch). In the active language."""
    if not value:
        return ""
    value = _local_day(value)
    this_year = value.year == timezone.localdate().year
    return _format(value, "LONG_DAY_FORMAT" if this_year else "LONG_DAY_YEAR_FORMAT")


def range_from(first, last) -> str:
    """The first day of a range that ends on `last`: "31 Dec 2029" when the range crosses a year, else "23 Nov"."""
    first, last = _local_day(first), _local_day(last)
    return dateformat.format(
        first, _local_format("DAY_MONTH_FORMAT" if first.year == last.year else "DAY_MONTH_YEAR_FORMAT")
    )


def range_to(last) -> str:
    """The last day of a range, always with its year: "6 Jan 2030"."""
    return dateformat.format(_local_day(last), _local_format("DAY_MONTH_YEAR_FORMAT"))

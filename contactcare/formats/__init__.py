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
    return _pattern(name, translation.get_language())


@lru_cache(maxsize=64)
def _pattern(name: str, language: str | None) -> str:
    """`name`'s format in `language`: the format modules do not change while the process runs."""
    for module in get_format_modules(lang=language):
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
    return _formatted(value, zone, _pattern(name, language), language)


def _local_day(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


# `day` and `when` run for every row of a list (My day: some 200 a page), so each reads the active time zone
# and language once: these are context-local lookups, and they were most of what a remembered text cost.


def day(value) -> str:
    """A day as people read it: "Thu 31 Dec" this year, "Thu 31 Dec 2099" in any other (Dutch: "do 31 dec")."""
    if not value:
        return ""
    zone = timezone.get_current_timezone()
    if isinstance(value, datetime):
        value = timezone.localdate(value, zone)
    this_year = value.year == timezone.localdate(timezone=zone).year
    language = translation.get_language()
    return _formatted(value, None, _pattern("DAY_FORMAT" if this_year else "DAY_YEAR_FORMAT", language), language)


def when(value) -> str:
    """A moment (a due time) in the desk's time zone: "Thu 31 Dec 10:00", with the year when not this year."""
    if not value:
        return ""
    zone = timezone.get_current_timezone()
    value = timezone.localtime(value, zone)
    this_year = value.year == timezone.localdate(timezone=zone).year
    language = translation.get_language()
    pattern = _pattern("WHEN_FORMAT" if this_year else "WHEN_YEAR_FORMAT", language)
    return _formatted(value, value.tzinfo, pattern, language)


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

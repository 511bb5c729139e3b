from datetime import date, datetime

from django import template
from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format_modules, number_format

from contacts.normalize import phone_display

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number as people read it: `06 12345678`."""
    return phone_display(value)


@register.filter
def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _local_format(name: str) -> str:
    """One of our own date formats (DAY_FORMAT, WHEN_FORMAT, …) in the active language (contactcare/formats)."""
    for module in get_format_modules(lang=translation.get_language()):
        pattern = getattr(module, name, None)
        if pattern is not None:
            return pattern
    return getattr(get_format_modules(lang="en")[0], name)


def _local_day(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


@register.filter
def day(value) -> str:
    """A day as people read it: "Thu 31 Dec" this year, "Thu 31 Dec 2099" in any other (Dutch: "do 31 dec")."""
    if not value:
        return ""
    value = _local_day(value)
    this_year = value.year == timezone.localdate().year
    return dateformat.format(value, _local_format("DAY_FORMAT" if this_year else "DAY_YEAR_FORMAT"))


@register.filter
def when(value) -> str:
    """A moment (a due time) in the desk's time zone: "Thu 31 Dec 10:00", with the year when not this year."""
    if not value:
        return ""
    value = timezone.localtime(value)
    this_year = value.year == timezone.localdate().year
    return dateformat.format(value, _local_format("WHEN_FORMAT" if this_year else "WHEN_YEAR_FORMAT"))


@register.filter
def range_from(first, last) -> str:
    """The first day of a range that ends on `last`: "31 Dec 2029" when the range crosses a year, else "23 Nov"."""
    first, last = _local_day(first), _local_day(last)
    return dateformat.format(
        first, _local_format("DAY_MONTH_FORMAT" if first.year == last.year else "DAY_MONTH_YEAR_FORMAT")
    )


@register.filter
def range_to(last) -> str:
    """The last day of a range, always with its year: "6 Jan 2030"."""
    return dateformat.format(_local_day(last), _local_format("DAY_MONTH_YEAR_FORMAT"))


@register.filter
def minutes(delta) -> int:
    """A timedelta in whole minutes, rounded up (for "try again in N minutes")."""
    if not delta:
        return 0
    return -(-int(delta.total_seconds()) // 60)


@register.filter
def days_before(day, today) -> int:
    """How many days `day` (a date, or a datetime taken in the desk's time zone) lies before `today`."""
    if isinstance(day, datetime):
        day = timezone.localdate(day)
    return (today - day).days


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def kind_label(kind: str) -> str:
    """A check-in kind as people say it: "3d" → "day 3"."""
    from followups.planning import kind_label as label

    return label(kind)


@register.filter
def figure(value, unit: str = "") -> str:
    """A report figure as people read it: "—" when there is nothing to count, "16,7 %" for a share."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{number_format(value, 1)} %"
    if unit == "avg":
        return number_format(value, 2)
    return number_format(value, 0)


@register.filter
def index(sequence, position: int):
    try:
        return sequence[position]
    except (IndexError, TypeError, KeyError):
        return ""

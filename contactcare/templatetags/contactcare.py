from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from contactcare.formats import day, range_from, range_to, when
from contactcare.id_urls import id_url as _id_url
from contacts.normalize import phone_display

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """A stored E.164 number as people read it: `06 12345678`."""
    return phone_display(value)


@register.simple_tag
def id_url(name: str, pk) -> str:
    """`{% url name pk %}` for a URL that takes one id, without a `reverse()` per row (contactcare.id_urls)."""
    return _id_url(name, pk)


@register.filter
def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# Dates as people read them, in templates and in Python alike (contactcare.formats).
register.filter("day", day)
register.filter("when", when)
register.filter("range_from", range_from)
register.filter("range_to", range_to)


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
def sweep_label(name: str) -> str:
    """A sweep as the Status page names it: "promises-broken" → "Broken promises"."""
    from followups.sweeps import sweep_label as label

    return label(name)


@register.filter
def sweep_result(sweep) -> str:
    """What a sweep's last run did, in words: "2 promises found broken"."""
    from followups.sweeps import sweep_result as result

    return result(sweep.name, sweep.last_result)


@register.filter
def part_of_day(moment) -> str:
    """The part of the day at `moment` in the desk's time zone, for a greeting: morning, afternoon or evening."""
    hour = timezone.localtime(moment).hour
    return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"


@register.filter
def figure(value, unit: str = "") -> str:
    """A report figure as people read it: "—" when there is nothing to count, "16,7 %" for a share."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{number_format(value, 1)} %"
    if unit == "avg":
        return number_format(value, 2)
    if unit == "h":  # business hours (a handover's wait)
        return gettext("%(hours)s h") % {"hours": number_format(value, 1)}
    return number_format(value, 0)


@register.filter
def index(sequence, position: int):
    try:
        return sequence[position]
    except (IndexError, TypeError, KeyError):
        return ""

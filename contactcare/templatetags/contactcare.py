from django import template

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


@register.filter
def minutes(delta) -> int:
    """A timedelta in whole minutes, rounded up (for "try again in N minutes")."""
    if not delta:
        return 0
    return -(-int(delta.total_seconds()) // 60)


@register.filter
def days_before(day, today) -> int:
    """How many days `day` lies before `today` (for "overdue 3 days")."""
    return (today - day).days

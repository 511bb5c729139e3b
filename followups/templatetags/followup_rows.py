"""The rows of My day, the customer panel and the team board, rendered by followups.rows:
`{% checkin_row %}`, `{% promise_row %}`, `{% team_item %}`, `{% handover_row %}`, `{% history_list %}`
and the customer timeline's `{% contact_row %}`."""

from django import template
from django.utils import timezone

from followups import rows

register = template.Library()


@register.simple_tag(takes_context=True)
def checkin_row(context, checkin, next=None):
    """A check-in row; `today` and `next` from the context unless given."""
    today = context.get("today") or timezone.localdate()
    return rows.checkin_row(checkin, today=today, next_url=context.get("next", "") if next is None else next)


@register.simple_tag(takes_context=True)
def promise_row(context, promise, next=None):
    """A promise row; `now`, `next` and the CSRF token from the context unless given."""
    now = context.get("now") or timezone.now()
    next_url = context.get("next", "") if next is None else next
    return rows.promise_row(promise, now=now, next_url=next_url, csrf_token=context.get("csrf_token"))


@register.simple_tag
def team_item(item, kind, today, can_reassign):
    """An overdue check-in or broken promise on the team board (followups.rows.team_item)."""
    return rows.team_item(item, kind=kind, today=today, can_reassign=bool(can_reassign))


@register.simple_tag(takes_context=True)
def handover_row(context, handover, next=None):
    """A handover row (issue 13); the user (for "you") and `next` from the context unless given."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    next_url = context.get("next", "") if next is None else next
    return rows.handover_row(handover, user_id=getattr(user, "pk", None), next_url=next_url)


@register.simple_tag(takes_context=True)
def contact_row(context, moment):
    """A logged contact on the customer's timeline, with the links the reader (context's user) may use."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    return rows.contact_row(moment, user=user)


@register.simple_tag
def history_list(changes, show_customer=False, limit=None):
    """The latest changes to check-ins and promises (followups.rows.history_list)."""
    return rows.history_list(changes, show_customer=bool(show_customer), limit=limit)


@register.simple_tag(takes_context=True)
def losing_touch_row(context, row):
    """A customer losing touch (followups.rows.losing_touch_row); `next` is the page as it is."""
    request = context.get("request")
    next_url = request.get_full_path() if request is not None else ""
    return rows.losing_touch_row(row, next_url=next_url, csrf_token=context.get("csrf_token"))

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from . import selectors, sweeps


def followups(request):
    """The top bar's My day badge, unread notifications and the reminders banner.

    Lazy: a query runs only when a template shows the value (full pages, not
    htmx partials), and at most once per request.
    """
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.has_perm("followups.view_checkin")):
        return {"my_day_count": 0, "unread_notifications": 0, "reminders_delayed": False}
    now = timezone.now()
    return {
        "my_day_count": SimpleLazyObject(lambda: selectors.my_day_count(user=user, now=now)),
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user=user)),
        "reminders_delayed": SimpleLazyObject(lambda: sweeps.reminders_delayed(now=now)),
    }

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from . import sweeps
from .top_bar import top_bar


def followups(request):
    """The top bar's My day badge, unread notifications and the reminders banner.

    Lazy, and read together: the first of the three a template shows runs ONE
    query (`top_bar`) that answers all three, so a full page pays one query
    for its layout and an htmx partial, which shows none of them, pays none.
    """
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.has_perm("followups.view_checkin")):
        return {"my_day_count": 0, "unread_notifications": 0, "reminders_delayed": False}
    now = timezone.now()
    bar = SimpleLazyObject(lambda: top_bar(user=user, now=now, heartbeat=sweeps.HEARTBEAT))
    return {
        "my_day_count": SimpleLazyObject(lambda: bar.my_day_count),
        "unread_notifications": SimpleLazyObject(lambda: bar.unread_notifications),
        "reminders_delayed": SimpleLazyObject(lambda: bar.reminders_delayed(now=now)),
    }

"""The read behind the layout's top bar: every full page pays it, so it is ONE query.

The My day badge, the unread notifications and the scheduler's heartbeat (the
reminders banner) were four queries on every page (three with a heartbeat).
Here they are scalar subqueries of one SELECT, hung on the user's own row,
each on an index its filter fits. Like `customer_list`, this lives beside
selectors.py as the read of one screen element.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import IntegerField, Q, QuerySet, Subquery
from django.utils import timezone

from contactcare.prepared import PreparedRead

from .models import CheckIn, CheckInIs, Handover, HandoverIs, Notification, Promise, PromiseIs, SweepRun
from .selectors import day_bounds


@dataclass(frozen=True)
class TopBar:
    my_day_count: int = 0  # what My day lists as the user's own: not the team queue; at most BADGE_CAP
    unread_notifications: int = 0  # at most BADGE_CAP
    heartbeat_finished_at: datetime | None = None  # when the scheduler's heartbeat sweep last finished
    database_created_at: datetime | None = None  # the first migration applied: a fresh start is no delay

    def reminders_delayed(self, *, now: datetime) -> bool:
        """`sweeps.reminders_delayed`'s rule, on the values this one query read.

        Silent: the heartbeat sweep last finished longer ago than
        REMINDERS_DELAYED_AFTER_MINUTES, or it never ran although the database
        is older than that.
        """
        threshold = timedelta(minutes=settings.REMINDERS_DELAYED_AFTER_MINUTES)
        if self.heartbeat_finished_at is not None:
            return now - self.heartbeat_finished_at > threshold
        return self.database_created_at is not None and now - self.database_created_at > threshold


BADGE_CAP = 100  # a badge counts this far and no further; the templates show "99+" from here


class _CountUpTo(Subquery):
    """COUNT(*) over a LIMITed subquery: an aggregate without GROUP BY, so always one row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"


def _count(queryset: QuerySet) -> Subquery:
    """How many rows the queryset has, up to BADGE_CAP: a lead with 40,000 unread notices after a big
    sweep costs the same as one with 100, on every page."""
    return _CountUpTo(queryset.order_by().values("pk")[:BADGE_CAP], output_field=IntegerField())


def _top_bar_read(*, user_id: int, today, end_of_today: datetime, heartbeat: str) -> QuerySet:
    own_checkins = CheckIn.objects.filter(Q(assignee_id=user_id) & CheckInIs.open() & Q(due_date__lte=today))
    # My day's own promise sections: due before the end of today, and the user's callbacks whenever due
    own_promises = Promise.objects.filter(
        Q(owner_id=user_id) & PromiseIs.open() & (Q(due_at__lt=end_of_today) | PromiseIs.callback())
    )
    return (
        get_user_model()
        .objects.filter(pk=user_id)
        .annotate(
            top_bar_checkins=_count(own_checkins),
            top_bar_promises=_count(own_promises),
            top_bar_handovers=_count(Handover.objects.filter(HandoverIs.handed_to(user_id))),
            top_bar_unread=_count(Notification.objects.filter(recipient_id=user_id).unread()),
            top_bar_heartbeat=Subquery(SweepRun.objects.filter(name=heartbeat).values("last_finished_at")[:1]),
            top_bar_created=Subquery(MigrationRecorder.Migration.objects.order_by("applied").values("applied")[:1]),
        )
        .values_list(
            "top_bar_checkins",
            "top_bar_promises",
            "top_bar_handovers",
            "top_bar_unread",
            "top_bar_heartbeat",
            "top_bar_created",
        )
        .order_by()[:1]
    )


# Every full page reads it: compiled once per process (contactcare.prepared), the definitions stay the models'.
_TOP_BAR = PreparedRead(_top_bar_read)


def top_bar(*, user, now: datetime, heartbeat: str) -> TopBar:
    """One query: the badge (My day's own sections: overdue, due today, broken, due later today, own
    callbacks, handovers to the user in person), the unread notifications, and the last run of the `heartbeat`
    sweep with the database's
    age for the banner."""
    today = timezone.localdate(now)
    _, end_of_today = day_bounds(today)
    rows = _TOP_BAR.rows(user_id=user.pk, today=today, end_of_today=end_of_today, heartbeat=heartbeat)
    if not rows:  # the user was deleted while this request ran
        return TopBar()
    checkins, promises, handovers, unread, last_heartbeat, created = rows[0]
    return TopBar(
        my_day_count=min((checkins or 0) + (promises or 0) + (handovers or 0), BADGE_CAP),
        unread_notifications=unread or 0,
        heartbeat_finished_at=last_heartbeat,
        database_created_at=created,
    )

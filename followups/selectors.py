"""What the follow-up screens need: each in a fixed number of queries, whatever the number of rows."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts.models import Customer, Team

from .models import CheckIn, CheckInPolicy, Notification, Promise, SweepRun


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a local day, as aware datetimes."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass
class MyDay:
    today: date
    overdue: list[CheckIn] = field(default_factory=list)
    due_today: list[CheckIn] = field(default_factory=list)
    queue: list[CheckIn] = field(default_factory=list)
    broken: list[Promise] = field(default_factory=list)
    promises_today: list[Promise] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_today or self.queue or self.broken or self.promises_today)


def my_day(*, user, now: datetime) -> MyDay:
    """A person's work for today: three queries.

    Check-ins assigned to them that are due today or overdue (oldest first);
    unassigned ones in their teams' queues; their open promises due before
    the end of today, split into broken (past due) and still due today.
    """
    today = timezone.localdate(now)
    _, end_of_today = day_bounds(today)
    result = MyDay(today=today)
    for checkin in (
        CheckIn.objects.open().filter(assignee=user, due_date__lte=today).for_display().order_by("due_date", "pk")
    ):
        (result.overdue if checkin.due_date < today else result.due_today).append(checkin)
    result.queue = list(
        CheckIn.objects.open()
        .filter(assignee__isnull=True, team__members=user, due_date__lte=today)
        .for_display()
        .order_by("due_date", "pk")
    )
    for promise in Promise.objects.open().filter(owner=user, due_at__lt=end_of_today).for_display().order_by("due_at"):
        (result.broken if promise.due_at < now else result.promises_today).append(promise)
    return result


def my_day_count(*, user, now: datetime) -> int:
    """The number on the top bar's badge: what My day lists for the user (one query on every page)."""
    today = timezone.localdate(now)
    _, end_of_today = day_bounds(today)
    checkins = CheckIn.objects.open().filter(assignee=user, due_date__lte=today).values_list("pk").order_by()
    promises = Promise.objects.open().filter(owner=user, due_at__lt=end_of_today).values_list("pk").order_by()
    return checkins.union(promises, all=True).count()


@dataclass
class CustomerFollowups:
    promises: list[Promise]
    checkins: list[CheckIn]


def customer_followups(*, customer: Customer) -> CustomerFollowups:
    """Open promises and upcoming or overdue check-ins of one customer (two queries)."""
    return CustomerFollowups(
        promises=list(customer.promises.open().select_related("owner").order_by("due_at")),
        checkins=list(customer.checkins.open().select_related("assignee", "team").order_by("due_date")),
    )


def checkin_for_call(*, customer: Customer, checkin_id: str | None) -> CheckIn | None:
    """The open check-in a "Call now" link points at, if it belongs to this customer."""
    if not checkin_id or not str(checkin_id).isdigit():
        return None
    return CheckIn.objects.open().filter(pk=checkin_id, customer=customer).first()


def promise_owner_choices(*, user) -> QuerySet:
    """Who a promise can be given to: the user and the active members of their teams."""
    teams = Team.objects.filter(members=user)
    return (
        get_user_model()
        .objects.filter(Q(pk=user.pk) | Q(teams__in=teams), is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def notifications_page(*, user, page) -> Page:
    return Paginator(Notification.objects.for_user(user).order_by("-created_at", "-pk"), 25).get_page(page)


def unread_count(*, user) -> int:
    return Notification.objects.for_user(user).unread().count()


@dataclass
class FollowupStatus:
    sweeps: list[SweepRun]
    failed: list[Notification]
    pending: int


def followup_status() -> FollowupStatus:
    return FollowupStatus(
        sweeps=list(SweepRun.objects.order_by("name")),
        failed=list(Notification.objects.failed().select_related("recipient").order_by("-created_at")[:200]),
        pending=Notification.objects.filter(status=Notification.Status.PENDING).count(),
    )


def policies() -> QuerySet[CheckInPolicy]:
    return CheckInPolicy.objects.prefetch_related("topics").order_by("-is_active", "name")

"""What a repeat contact is, said once, and keeping `ContactMoment.is_repeat` true to it.

A repeat contact is an inbound, not deleted contact that follows an earlier
inbound, not deleted contact of the same customer, with any team, that
happened at most REPEAT_CONTACT_WINDOW_DAYS days before it on the desk's
local clock (settings.TIME_ZONE): at or after the same time of day, N
calendar days earlier. Tuesday 10:00 reaches back to the Tuesday before at
10:00 inclusive, whether the clocks changed in between or not (169 or 167
elapsed hours), and Sunday 11:00 after the October change does not reach
Sunday 10:00 the week before (7 days and an hour on the clock, though 168
elapsed hours). A time of day the clocks skip counts from the hour after the
skip; one they repeat (October, 02:00–03:00), from its second occurrence.
`REPEAT_RULE` names this rule in the weekly summary, whose rows counted with
another rule or window are not read (reports). The flag is decided
when a contact is logged (or imported) and recomputed for the contacts a
change can touch: the contact itself and the customer's later contacts
within the window, for the old and the new customer and time. A merge of
two customers keeps the flags as they were (a report of a past week does
not change because two records turned out to be one person).

Every change to what the weekly report counts of contacts is announced
with `contacts.signals.contacts_counted_changed`, naming the buckets
(time, team, person) whose counts may have moved: `reports` keeps its
summary from that, and `contacts` does not import `reports`.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import NotSupportedError
from django.db.models import BooleanField, DateTimeField, Exists, ExpressionWrapper, F, Func, OuterRef, Q

from .models import ContactMoment, contact_alive
from .signals import contacts_counted_changed

# (when it happened, team id or None, logged by id): the counted cell a contact falls in.
Bucket = tuple[datetime, int | None, int]


# The rule the stored flags follow, kept beside the window in the weekly summary: "elapsed" was 24-hour days
# (before issue 14), "local-clock" is the rule above.
REPEAT_RULE = "local-clock"


def repeat_window() -> timedelta:
    """The window as a span that always holds it: on the local clock it can be an hour longer than N × 24 hours
    (across the October change), so a day is added. For finding the contacts a change can touch, not for the
    definition (`repeat_earlier_exists`)."""
    return timedelta(days=settings.REPEAT_CONTACT_WINDOW_DAYS + 1)


def local_days_before(when: datetime, days: int, zone_name: str | None = None) -> datetime:
    """The instant `days` calendar days before `when` on the local clock of `zone_name` (the desk's by default),
    in UTC: the same as `LocalDaysBefore` in SQL, PostgreSQL's rules for a skipped or repeated time included."""
    zone = ZoneInfo(zone_name or settings.TIME_ZONE)
    wall = when.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    skipped = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall
    return (first if skipped else second).astimezone(UTC)  # skipped: the hour after; repeated: the second time


def _sqlite_local_days_before(value: str | None, zone_name: str, days: int) -> str | None:
    """`local_days_before` for SQLite, on Django's stored text of a UTC datetime ("2026-11-03 09:00:00")."""
    if value is None:
        return None
    when = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return str(local_days_before(when, days, zone_name).replace(tzinfo=None))


def sqlite_functions(sender, connection, **kwargs) -> None:
    """django.db.backends.signals.connection_created (connected in ContactsConfig.ready): SQLite learns
    `cc_local_days_before`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("cc_local_days_before", 3, _sqlite_local_days_before, deterministic=True)


class LocalDaysBefore(Func):
    """The instant N calendar days before a datetime on the desk's local clock (the repeat window's lower bound).

    PostgreSQL: to local time, minus N days, back to an instant (AT TIME ZONE twice), one value per outer row, so
    the index on (customer, occurred_at) still bounds the search. SQLite (`make run`): a Python function.
    """

    output_field = DateTimeField()

    def __init__(self, expression, days: int, **extra):
        self.days = days
        super().__init__(expression, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        zone = settings.TIME_ZONE
        return f"((({sql}) AT TIME ZONE %s) - make_interval(days => %s)) AT TIME ZONE %s", [
            *params,
            zone,
            self.days,
            zone,
        ]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"cc_local_days_before({sql}, %s, %s)", [*params, settings.TIME_ZONE, self.days]

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("The repeat window is written for PostgreSQL and SQLite.")


def repeat_earlier_exists(outer: str = "") -> Exists:
    """An earlier inbound, not deleted contact of the same customer within the window (the outer row's): at or
    after the same local time of day REPEAT_CONTACT_WINDOW_DAYS calendar days before."""
    return Exists(
        ContactMoment.objects.alive()
        .inbound()
        .filter(
            customer=OuterRef(f"{outer}customer"),
            occurred_at__lt=OuterRef(f"{outer}occurred_at"),
            occurred_at__gte=LocalDaysBefore(OuterRef(f"{outer}occurred_at"), settings.REPEAT_CONTACT_WINDOW_DAYS),
        )
    )


def repeat_expression() -> ExpressionWrapper:
    """The definition as a boolean expression on a contact row: what `is_repeat` must hold."""
    return ExpressionWrapper(
        Q(contact_alive(), direction=ContactMoment.Direction.INBOUND) & Q(repeat_earlier_exists()),
        output_field=BooleanField(),
    )


def bucket_of(moment: ContactMoment) -> Bucket:
    return (moment.occurred_at, moment.team_id, moment.logged_by_id)


def repeats_refresh(contacts) -> dict[int, tuple[bool, Bucket]]:
    """Make `is_repeat` of the `contacts` (a queryset) true to the definition: {id: (new flag, bucket)} of
    those that changed. One read of the rows that differ, at most two set-based UPDATEs."""
    wrong = {
        pk: (bool(should_be), (when, team, person))
        for pk, should_be, when, team, person in contacts.annotate(should_be=repeat_expression())
        .filter(~Q(is_repeat=F("should_be")))
        .values_list("pk", "should_be", "occurred_at", "team_id", "logged_by_id")
    }
    for value in (True, False):
        ids = [pk for pk, (flag, _) in wrong.items() if flag is value]
        if ids:
            ContactMoment.objects.filter(pk__in=ids).update(is_repeat=value)
    return wrong


def repeats_refresh_after(*, customer_id: int, since: datetime) -> dict[int, tuple[bool, Bucket]]:
    """Refresh the flags a change at `since` can touch: the customer's contacts from then to a window later."""
    return repeats_refresh(
        ContactMoment.objects.filter(
            customer_id=customer_id, occurred_at__gte=since, occurred_at__lte=since + repeat_window()
        )
    )


_gathering: ContextVar[set | None] = ContextVar("counted_buckets_gathering", default=None)


def contacts_counted(buckets: Iterable[Bucket]) -> None:
    """Say that what the report counts in `buckets` may have changed (in the caller's transaction)."""
    buckets = {bucket for bucket in buckets if bucket is not None}
    gathering = _gathering.get()
    if gathering is not None:
        gathering |= buckets
    elif buckets:
        contacts_counted_changed.send(sender=ContactMoment, buckets=buckets)


@contextmanager
def contacts_counted_together() -> Iterator[None]:
    """Announce the buckets of many contacts once, at the end (a batch of an import): one recount per bucket
    instead of one per contact. Use it inside the batch's transaction, so the recount commits with it."""
    token = _gathering.set(set())
    try:
        yield
        buckets = _gathering.get()
    finally:
        _gathering.reset(token)
    contacts_counted(buckets)


def contact_counted_change(moment: ContactMoment, *, before: ContactMoment | None = None) -> None:
    """After `moment` was logged, corrected (`before`: a copy as it was) or deleted: its flag, the flags it
    touches and the report follow, in the caller's transaction.

    Refreshed: the contact itself and its customer's later contacts within
    the window, and the same at its old customer and time when those changed.
    """
    changed = repeats_refresh_after(customer_id=moment.customer_id, since=moment.occurred_at)
    buckets = {bucket_of(moment)}
    if before is not None:
        buckets.add(bucket_of(before))
        if (before.customer_id, before.occurred_at) != (moment.customer_id, moment.occurred_at):
            changed |= repeats_refresh_after(customer_id=before.customer_id, since=before.occurred_at)
    if moment.pk in changed:
        moment.is_repeat = changed[moment.pk][0]
    contacts_counted(buckets | {bucket for _, bucket in changed.values()})

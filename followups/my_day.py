"""My day's read: each section counted, the first 25 of each shown, the rest one keyset page at a time.

A person can have hundreds of overdue items; rendering all of them was most
of the page's time (issue 11). So every section shows its count and its
oldest PAGE_SIZE items; "Show more" asks for the next page of one section
after the last row shown, by (due, id): page 20 costs what page 1 costs,
and a row that was acted on meanwhile does not shift the pages.

What each section holds is said once, in SECTIONS' conditions, from the
model's own words (CheckInIs, PromiseIs): the counts, the rows and the pages
all read the same conditions. Like `customer_list`, this lives beside
selectors.py as the read of one screen.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from contactcare.queries import count_of
from contacts.models import Team

from . import keep_informed
from .models import CheckIn, CheckInIs, Handover, HandoverIs, Promise, PromiseIs

PAGE_SIZE = 25
CHECKIN = "checkin"
PROMISE = "promise"
HANDOVER = "handover"  # issue 13: customers handed over to the user or their team, oldest first
# A cursor is "<due>_<id>": a local date for check-ins, a UTC time for promises and handovers (handed over at).
# ASCII digits only.
_CHECKIN_CURSOR = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})_([0-9]{1,18})$", re.ASCII)
_PROMISE_CURSOR = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6})Z_([0-9]{1,18})$", re.ASCII
)
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Section:
    key: str  # the id in my_day.html and in ?section=: "handovers", "overdue", "today", "queue", "broken",
    # "promises-today", "callbacks"
    kind: str  # CHECKIN, PROMISE or HANDOVER


OVERDUE = Section("overdue", CHECKIN)
DUE_TODAY = Section("today", CHECKIN)
QUEUE = Section("queue", CHECKIN)
BROKEN = Section("broken", PROMISE)
PROMISES_TODAY = Section("promises-today", PROMISE)
CALLBACKS = Section("callbacks", PROMISE)  # missed calls to call back: the user's own, and their teams' unowned
HANDOVERS = Section("handovers", HANDOVER)  # handed over to the user, or to a team they are in or lead
SECTIONS = {
    section.key: section for section in (HANDOVERS, OVERDUE, DUE_TODAY, QUEUE, BROKEN, PROMISES_TODAY, CALLBACKS)
}


def _end_of_day(now: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(now) + timedelta(days=1), time.min))


def section_condition(section: Section, *, user, now: datetime) -> Q:
    """Which check-ins, promises or handovers `section` lists for `user` at `now`: the one definition of My day."""
    today = timezone.localdate(now)
    if section == HANDOVERS:
        return HandoverIs.for_user(user)
    if section == OVERDUE:
        return Q(assignee=user) & CheckInIs.overdue(today)
    if section == DUE_TODAY:
        return Q(assignee=user) & CheckInIs.open() & Q(due_date=today)
    if section == QUEUE:  # nobody holds it yet, in one of the user's teams
        teams = Team.objects.filter(members=user).values("pk")
        return Q(assignee__isnull=True, team__in=teams, due_date__lte=today) & CheckInIs.open()
    if section == BROKEN:  # the user's own callbacks too, once broken
        return Q(owner=user) & PromiseIs.broken(now)
    if section == CALLBACKS:
        return own_callbacks_condition(user=user, now=now) | (
            PromiseIs.in_team_queue() & Q(team__in=Team.objects.filter(members=user).values("pk"))
        )
    # PROMISES_TODAY: the user's callbacks are in CALLBACKS, whenever they are due
    return Q(owner=user, due_at__gte=now, due_at__lt=_end_of_day(now)) & PromiseIs.open() & ~PromiseIs.callback()


def own_callbacks_condition(*, user, now: datetime) -> Q:
    """The user's own callbacks in CALLBACKS: open and not yet broken, due today or later. A missed call is
    called back as soon as can be, so it is listed from the moment it was missed, not from the day it is due;
    the team's unowned ones are listed broken or not (nobody else will see them)."""
    return Q(owner=user, due_at__gte=now) & PromiseIs.open() & PromiseIs.callback()


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the item due `due` (a date or an aware time) with this id."""

    due: date | datetime
    id: int


def _order_field(section: Section) -> str:
    """The column a section is in order of (and its cursor reads): due date, due time, or handed over at."""
    return {CHECKIN: "due_date", PROMISE: "due_at", HANDOVER: "created_at"}[section.kind]


def cursor_of(section: Section, item) -> Cursor:
    return Cursor(getattr(item, _order_field(section)), item.pk)


def cursor_encode(section: Section, cursor: Cursor) -> str:
    if section.kind == CHECKIN:
        return f"{cursor.due.isoformat()}_{cursor.id}"
    return f"{cursor.due.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}Z_{cursor.id}"


def cursor_decode(section: Section, text: str) -> Cursor:
    """The cursor a "Show more" link carried; ValueError when it is not one this section could have made."""
    match = (_CHECKIN_CURSOR if section.kind == CHECKIN else _PROMISE_CURSOR).fullmatch(text or "")
    if match is None or int(match.group(2)) > _MAX_ID:
        raise ValueError("not a cursor")
    if section.kind == CHECKIN:
        return Cursor(date.fromisoformat(match.group(1)), int(match.group(2)))  # ValueError for 2026-02-30
    return Cursor(datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC), int(match.group(2)))


# What a My day row shows (_checkin_row.html, _promise_row.html), and nothing more: a page is up to
# 125 rows of four or five objects each, and every column fetched is parsed and set on a model (issue 11).
_ROW_COLUMNS = {
    CHECKIN: (
        ("customer", "origin", "origin__topic", "promise"),
        ("status", "kind", "due_date", "customer__full_name", "customer__phone",
         "origin__occurred_at", "origin__summary", "origin__topic__name",
         "promise__description", "promise__made_at", "promise__due_at"),
    ),
    PROMISE: (
        ("customer", "owner"),
        ("status", "description", "due_at", "kept_at", "customer__full_name",
         "owner__username", "owner__first_name", "owner__last_name",
         "kind", "number", "made_at", "missed_count"),
    ),
}  # fmt: skip


def _items(section: Section, *, user, now: datetime) -> QuerySet:
    condition, due = section_condition(section, user=user, now=now), _order_field(section)
    if section.kind == HANDOVER:  # a few a day: the row's whole (customer, people, `too_long`)
        return Handover.objects.for_rows(now).filter(condition).order_by(due, "pk")
    model = CheckIn if section.kind == CHECKIN else Promise
    return model.objects.filter(condition).order_by(due, "pk")


def _rows(section: Section, page: QuerySet) -> QuerySet:
    """The rows of a page of check-ins or promises, with what a row shows: the page's items are picked first
    and only they are joined to their customers, contacts and promises. Joined before the LIMIT, every
    item of the section was (the team's queue: 354 rows joined to show 25, 8 ms instead of 1)."""
    if section.kind == HANDOVER:
        return page
    model, (related, columns) = page.model, _ROW_COLUMNS[section.kind]
    picked = model.objects.filter(pk__in=Subquery(page.values("pk")))
    return picked.select_related(*related).only(*columns).order_by(_order_field(section), "pk")


@dataclass
class SectionPage:
    section: Section
    count: int  # every item of the section, not only this page's
    items: list = field(default_factory=list)
    next_cursor: str | None = None  # None: nothing after this page
    after: str | None = None  # the cursor this page starts after (None: the first page)

    @property
    def key(self) -> str:
        return self.section.key


def section_page(section: Section, *, user, now: datetime, after: Cursor | None = None, count: int = 0) -> SectionPage:
    """One page of a section, oldest first, after `after`: one query (PAGE_SIZE + 1 rows tell if there is more)."""
    items = _items(section, user=user, now=now)
    if after is not None:  # `>=` bounds the index range; the OR only sorts out ties on the due date
        due = _order_field(section)
        items = items.filter(Q(**{f"{due}__gte": after.due}), Q(**{f"{due}__gt": after.due}) | Q(pk__gt=after.id))
    rows = list(_rows(section, items[: PAGE_SIZE + 1]))
    next_cursor = cursor_encode(section, cursor_of(section, rows[PAGE_SIZE - 1])) if len(rows) > PAGE_SIZE else None
    return SectionPage(
        section=section,
        count=count,
        items=rows[:PAGE_SIZE],
        next_cursor=next_cursor,
        after=cursor_encode(section, after) if after is not None else None,
    )


@dataclass
class MyDayCounts:
    """How many items each My day section holds (the numbers on its badges)."""

    overdue: int = 0
    due_today: int = 0
    queue: int = 0
    broken: int = 0
    promises_today: int = 0
    callbacks: int = 0
    own_callbacks: int = 0  # of `callbacks`, those the user holds (the rest wait in the team's queue)
    handovers: int = 0
    own_handovers: int = 0  # of `handovers`, those handed to the user in person (the rest: to their teams)

    @property
    def total(self) -> int:
        """The top bar's badge: the user's own items, not the team's queue."""
        own = self.overdue + self.due_today + self.broken + self.promises_today + self.own_callbacks
        return own + self.own_handovers

    @property
    def sections(self) -> list[tuple[str, int]]:
        """(section key, count): the numbers an action's answer swaps into the page."""
        return [
            (HANDOVERS.key, self.handovers),
            (OVERDUE.key, self.overdue),
            (DUE_TODAY.key, self.due_today),
            (QUEUE.key, self.queue),
            (BROKEN.key, self.broken),
            (PROMISES_TODAY.key, self.promises_today),
            (CALLBACKS.key, self.callbacks),
        ]

    def of(self, section: Section) -> int:
        return dict(self.sections)[section.key]


def my_day_counts(*, user, now: datetime) -> MyDayCounts:
    """Every section's count: one query, whatever the number of items.

    A count of its own for each section (a subquery each, in one SELECT), not one count per table with a
    FILTER per section: each reads its own index range (the person's items, their teams' queue), where an
    OR of the sections read every team's open check-ins (issue 11: 21 ms → 11 ms for the busiest person).
    """
    when = {section.key: section_condition(section, user=user, now=now) for section in SECTIONS.values()}
    counts = {
        "overdue": count_of(CheckIn.objects.filter(when[OVERDUE.key])),
        "due_today": count_of(CheckIn.objects.filter(when[DUE_TODAY.key])),
        "queue": count_of(CheckIn.objects.filter(when[QUEUE.key])),
        "broken": count_of(Promise.objects.filter(when[BROKEN.key])),
        "promises_today": count_of(Promise.objects.filter(when[PROMISES_TODAY.key])),
        "callbacks": count_of(Promise.objects.filter(when[CALLBACKS.key])),
        "own_callbacks": count_of(Promise.objects.filter(own_callbacks_condition(user=user, now=now))),
        "handovers": count_of(Handover.objects.filter(when[HANDOVERS.key])),
        "own_handovers": count_of(Handover.objects.filter(when[HANDOVERS.key] & HandoverIs.handed_to(user))),
    }
    return MyDayCounts(**get_user_model().objects.filter(pk=user.pk).values(**counts).get())


@dataclass
class MyDay:
    today: date
    counts: MyDayCounts
    pages: dict[str, SectionPage]  # by section key

    @property
    def is_empty(self) -> bool:
        return not any(count for _, count in self.counts.sections)

    # The sections by name, for templates (a section key has a hyphen).
    overdue = property(lambda self: self.pages[OVERDUE.key])
    due_today = property(lambda self: self.pages[DUE_TODAY.key])
    queue = property(lambda self: self.pages[QUEUE.key])
    broken = property(lambda self: self.pages[BROKEN.key])
    promises_today = property(lambda self: self.pages[PROMISES_TODAY.key])
    callbacks = property(lambda self: self.pages[CALLBACKS.key])
    handovers = property(lambda self: self.pages[HANDOVERS.key])


def my_day(*, user, now: datetime, section: Section | None = None, after: Cursor | None = None) -> MyDay:
    """A person's work for today: every section's count and its first page (or, for `section`, the page
    after `after`). Three count queries, one per section with items, and one for the latest updates of the
    keep-informed rows: at most eleven, however many items.
    """
    counts = my_day_counts(user=user, now=now)
    pages = {}
    for each in SECTIONS.values():
        count = counts.of(each)
        start = after if each == section else None
        # An empty section needs no query of its own.
        pages[each.key] = (
            section_page(each, user=user, now=now, after=start, count=count)
            if count
            else SectionPage(section=each, count=0, after=cursor_encode(each, start) if start else None)
        )
    # What the keep-informed rows show of their promises' latest updates: one query for every page (issue 13).
    keep_informed.recent_updates_attach(
        [item for page in pages.values() if page.section.kind == CHECKIN for item in page.items]
    )
    return MyDay(today=timezone.localdate(now), counts=counts, pages=pages)

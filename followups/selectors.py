"""What the follow-up screens need: each in a fixed number of queries, whatever the number of rows."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Window
from django.utils import timezone

from contactcare.models import Notification, SweepRun
from contactcare.prepared import PreparedRead
from contactcare.templatetags.contactcare import display_name
from contacts.models import Customer, Team

from . import access, keep_informed
from .models import CheckIn, CheckInIs, CheckInPolicy, Handover, HandoverIs, Promise, PromiseIs
from .planning import UPDATE_KIND, kind_label, offsets_parse


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of a local day, as aware datetimes."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


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
    """Open promises (each with when the customer last had an update about it: `last_update_at`) and upcoming
    or overdue check-ins of one customer (two queries)."""
    promises = customer.promises.open().annotate(last_update_at=keep_informed.last_update_at())
    return CustomerFollowups(
        promises=list(promises.select_related("owner").order_by("due_at")),
        checkins=list(customer.checkins.open().select_related("assignee", "team", "promise").order_by("due_date")),
    )


def checkin_for_call(*, customer: Customer, checkin_id: int | None, user) -> CheckIn | None:
    """The open check-in a "Call now" link points at, if it belongs to this customer and the user may act on it."""
    if checkin_id is None:
        return None
    return access.checkins_for(user=user).open().filter(pk=checkin_id, customer=customer).first()


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


# --- Team dashboard -----------------------------------------------------------

# Overdue/broken for how many days: (key, label, first day, last day or None).
AGE_BUCKETS = (("1-2", "1–2", 0, 2), ("3-7", "3–7", 3, 7), ("8+", "> 7", 8, None))
PROMISE_KIND = "promise"


def teams_for(*, user) -> QuerySet[Team]:
    """The teams whose dashboard a user may open: all for managers, their own for team leads."""
    if user.has_perm("followups.view_all_teams"):
        return Team.objects.order_by("name")
    return Team.objects.filter(lead=user).order_by("name")


@dataclass
class TeamFilters:
    person: int | None = None  # a member's id
    queue: bool = False  # only the team's queue (items nobody holds)
    kind: str = ""  # a check-in kind ("3d", "6w") or "promise"
    topic: int | None = None
    age: str = ""  # an AGE_BUCKETS key


def _age_range(key: str, today: date) -> tuple[date | None, date]:
    """The local due dates (oldest or None, newest) of items overdue by the days of bucket `key`."""
    _, _, first, last = next(bucket for bucket in AGE_BUCKETS if bucket[0] == key)
    return (today - timedelta(days=last) if last is not None else None), today - timedelta(days=first)


def _age_counts(field: str, today: date, *, overdue: Q) -> dict:
    """Count(...) annotations of overdue items per age bucket, on a date or (`…_at`) datetime `field`."""
    counts = {}
    for key, *_ in AGE_BUCKETS:
        oldest, newest = _age_range(key, today)
        if field.endswith("_at"):
            condition = Q(**{f"{field}__lt": day_bounds(newest)[1]})
            if oldest:
                condition &= Q(**{f"{field}__gte": day_bounds(oldest)[0]})
        else:
            condition = Q(**{f"{field}__lte": newest})
            if oldest:
                condition &= Q(**{f"{field}__gte": oldest})
        counts[f"age_{key}"] = Count("pk", filter=overdue & condition)
    return counts


@dataclass
class PersonRow:
    user: object  # None for the team's queue
    open: int = 0
    due_today: int = 0
    overdue: int = 0
    broken: int = 0
    ages: dict = field(default_factory=dict)  # bucket key -> overdue check-ins + broken promises


@dataclass
class TeamBoard:
    team: Team
    today: date
    filters: TeamFilters
    checkins: Page
    promises: Page
    people: list[PersonRow]
    kinds: list[str]
    members: list
    handovers: list = field(default_factory=list)  # the team's pending handovers, oldest first (issue 13)
    handovers_count: int = 0  # all of them; the board lists the first TEAM_HANDOVERS_SHOWN


def checkin_kinds() -> list[str]:
    """Every check-in kind a policy plans or ever planned ("3d", "6w"), shortest first: one query.

    Read from the policies and their history (a handful of rows), never from
    the check-ins: the kinds of a team's check-ins are the kinds its policies
    planned, and reading them from the check-ins read every check-in the team
    ever had (450,000 rows for the largest team: issue 11).
    """
    texts = (
        CheckInPolicy.objects.order_by()
        .values_list("offsets")
        .union(CheckInPolicy.history.order_by().values_list("offsets"))
    )
    offsets = {}
    for (text,) in texts:
        try:
            offsets.update({offset.kind: offset for offset in offsets_parse(text)})
        except ValueError:  # an offset saved around the form's check (the admin, an old row): not a kind
            continue
    # and the keep-informed check-ins of open promises (issue 13), which no policy plans
    return [kind for kind, _ in sorted(offsets.items(), key=lambda item: (item[1].days, item[0]))] + [UPDATE_KIND]


def _board_kinds(page: Page, *, selected: str) -> list[str]:
    """The Kind filter's choices: the policies' kinds, plus any other kind on the page or chosen (old data)."""
    kinds = checkin_kinds()
    extra = {checkin.kind for checkin in page.object_list} | ({selected} if selected else set())
    return kinds + sorted(extra - set(kinds) - {PROMISE_KIND})


_PEOPLE_COLUMNS = ("username", "first_name", "last_name")
_BOARD_CHECKIN_COLUMNS = (
    "kind", "due_date", "customer__full_name", "origin__topic__name", *(f"assignee__{c}" for c in _PEOPLE_COLUMNS),
    "promise__description",
)  # fmt: skip
_BOARD_PROMISE_COLUMNS = (
    "kind", "description", "number", "due_at", "made_at", "customer__full_name", "moment__topic__name",
    *(f"owner__{c}" for c in _PEOPLE_COLUMNS),
)  # fmt: skip


def team_board(*, team: Team, filters: TeamFilters, now: datetime, page_checkins=None, page_promises=None) -> TeamBoard:
    """What a team lead needs: overdue check-ins and broken promises (oldest first, filtered, paged),
    grouped by person and age, each member's workload, and the pending handovers. Aggregated in the
    database: nine queries whatever the team's size or backlog.
    """
    today = timezone.localdate(now)
    checkins = CheckIn.objects.overdue(today).filter(team=team)
    promises = Promise.objects.broken(now).filter(team=team)
    if filters.queue:
        checkins = checkins.filter(assignee__isnull=True)
        promises = promises.filter(owner__isnull=True)  # callbacks of missed calls nobody holds yet
    elif filters.person is not None:
        checkins = checkins.filter(assignee=filters.person)
        promises = promises.filter(owner=filters.person)
    if filters.kind:
        checkins = checkins.none() if filters.kind == PROMISE_KIND else checkins.filter(kind=filters.kind)
        promises = promises if filters.kind == PROMISE_KIND else promises.none()
    if filters.topic:
        checkins = checkins.filter(origin__topic=filters.topic)
        promises = promises.filter(moment__topic=filters.topic)
    if filters.age:
        oldest, newest = _age_range(filters.age, today)
        checkins = checkins.filter(due_date__lte=newest, **({"due_date__gte": oldest} if oldest else {}))
        promises = promises.filter(
            due_at__lt=day_bounds(newest)[1], **({"due_at__gte": day_bounds(oldest)[0]} if oldest else {})
        )

    members = list(team.members.filter(is_active=True).order_by("first_name", "last_name", "username"))
    rows = {member.pk: PersonRow(user=member) for member in members}
    rows[None] = PersonRow(user=None)
    _, end_of_today = day_bounds(today)
    for entry in (
        CheckIn.objects.open()
        .filter(team=team)
        .values("assignee")
        .annotate(
            open=Count("pk"),
            due_today=Count("pk", filter=Q(due_date=today)),
            overdue=Count("pk", filter=CheckInIs.overdue(today)),
            **_age_counts("due_date", today, overdue=CheckInIs.overdue(today)),
        )
        .order_by()
    ):
        row = rows.setdefault(entry["assignee"], PersonRow(user=None))
        row.open, row.due_today, row.overdue = entry["open"], entry["due_today"], entry["overdue"]
        row.ages = {key: entry[f"age_{key}"] for key, *_ in AGE_BUCKETS}
    for entry in (
        Promise.objects.open()
        .filter(team=team)
        .values("owner")
        .annotate(
            open=Count("pk"),
            due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=end_of_today)),
            broken=Count("pk", filter=PromiseIs.broken(now)),
            **_age_counts("due_at", today, overdue=PromiseIs.broken(now)),
        )
        .order_by()
    ):
        row = rows.setdefault(entry["owner"], PersonRow(user=None))
        row.open += entry["open"]
        row.due_today += entry["due_today"]
        row.broken = entry["broken"]
        for key, *_ in AGE_BUCKETS:
            row.ages[key] = row.ages.get(key, 0) + entry[f"age_{key}"]
    # People outside the team (or gone) who still hold its items show too.
    strangers = [pk for pk, row in rows.items() if pk is not None and row.user is None]
    for pk, user in get_user_model().objects.in_bulk(strangers).items():
        rows[pk].user = user
    people = [row for pk, row in rows.items() if pk is not None] + ([rows[None]] if rows[None].open else [])

    # Only what a board row shows (followups.rows.team_item): each column fetched is parsed and set on a model.
    checkins = checkins.select_related("customer", "assignee", "origin__topic", "promise").only(*_BOARD_CHECKIN_COLUMNS)
    promises = promises.select_related("customer", "owner", "moment__topic").only(*_BOARD_PROMISE_COLUMNS)
    checkins_page = Paginator(checkins.order_by("due_date", "pk"), 50).get_page(page_checkins)
    checkins_page.object_list = list(checkins_page.object_list)  # read once: the rows and their kinds
    handovers = team_handovers(team=team, now=now)
    return TeamBoard(
        handovers=handovers,
        handovers_count=handovers[0].total if handovers else 0,
        team=team,
        today=today,
        filters=filters,
        checkins=checkins_page,
        promises=Paginator(promises.order_by("due_at", "pk"), 50).get_page(page_promises),
        people=people,
        kinds=_board_kinds(checkins_page, selected=filters.kind),
        members=members,
    )


TEAM_HANDOVERS_SHOWN = 50


def team_handovers(*, team: Team, now: datetime) -> list[Handover]:
    """The team's pending handovers (to the team, or to one of its people), oldest first, as rows show them;
    each carries `total`, how many there are: one query."""
    return list(
        Handover.objects.for_rows(now)
        .filter(HandoverIs.pending(), team=team)
        .annotate(total=Window(Count("pk")))
        .order_by("created_at", "pk")[:TEAM_HANDOVERS_SHOWN]
    )


# --- What happened to check-ins and promises ------------------------------------

HISTORY_LIMIT = 20


@dataclass
class FollowupChange:
    """One step in the life of a check-in or promise, from its history table."""

    when: datetime
    who: object  # the user who made the change (None: not recorded)
    item: str  # "checkin" or "promise"
    event: str  # planned, promised, reassigned, rescheduled, skipped, done, superseded, kept, cancelled, changed,
    # called_again
    customer: Customer
    label: str  # the check-in's kind ("day 3") or what was promised
    due: object  # the check-in's date or the promise's due time, after the change
    holder: object  # assignee or owner after the change (None: the team's queue)
    previous_holder: str  # display name before a reassignment, "" otherwise
    reason: str  # why, as the user gave it (skip, reschedule, cancel), "" otherwise


_STATUS_EVENTS = {
    CheckIn.Status.SKIPPED: "skipped",
    CheckIn.Status.DONE: "done",
    CheckIn.Status.SUPERSEDED: "superseded",
    Promise.Status.KEPT: "kept",
    Promise.Status.CANCELLED: "cancelled",
}
_REASON_EVENTS = {"skipped", "rescheduled", "cancelled", "changed"}  # the others' reasons are the services' own words


@cache
def _historical(model):
    """The history table's model (`model.history` builds a new manager class at every use)."""
    return model.history.model


_PEOPLE = ("first_name", "last_name", "username")
_User = get_user_model()


@dataclass
class _HistoryRow:
    """A history row with what its event and line need, and its predecessor's status, due and holder."""

    when: datetime
    history_type: str
    reason: str | None
    status: str
    due: object
    holder: object  # a user (names only) or None
    who: object  # a user (names only) or None
    customer: Customer | None
    label: str  # the check-in's kind or what was promised
    previous_status: str | None  # None: the item's first row, or its earlier rows missing
    previous_due: object
    previous_holder_id: int | None


def _person(pk, first_name, last_name, username):
    return None if pk is None else _User(pk=pk, first_name=first_name, last_name=last_name, username=username)


@cache
def _history_read(model, holder: str, due: str, scope: str, limit: int) -> PreparedRead:
    """The read behind `_history_rows` for one model, scope ("customer" or "team") and limit, compiled once per
    process (contactcare.prepared): its SQL is the costliest to build of the customer page's (issue 11)."""

    def build(*, scope_id: int) -> QuerySet:
        history = _historical(model).objects
        earlier = Q(history_date__lt=OuterRef("history_date")) | Q(
            history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")
        )
        previous = history.filter(earlier, id=OuterRef("id")).order_by("-history_date", "-history_id")
        customer_columns = ("customer_id", "customer__full_name") if scope == "team" else ()
        return (
            history.filter(**{f"{scope}_id": scope_id})
            .annotate(
                previous_status=Subquery(previous.values("status")[:1]),
                previous_due=Subquery(previous.values(due)[:1]),
                previous_holder_id=Subquery(previous.values(f"{holder}_id")[:1]),
            )
            .order_by("-history_date", "-history_id")
            .values_list(
                "history_date",
                "history_type",
                "history_change_reason",
                "status",
                due,
                "kind" if model is CheckIn else "description",
                f"{holder}_id",
                *(f"{holder}__{column}" for column in _PEOPLE),
                "history_user_id",
                *(f"history_user__{column}" for column in _PEOPLE),
                "previous_status",
                "previous_due",
                "previous_holder_id",
                *customer_columns,
            )[:limit]
        )

    return PreparedRead(build)


def _history_rows(model, *, holder: str, due: str, limit: int, customer=None, team=None) -> list[_HistoryRow]:
    """The newest history rows of `model` for a customer or a team, each with its predecessor's status, due
    and holder.

    The newest rows are taken first (the history_date index, read backwards),
    each with its predecessor's three values (small subqueries on the index of
    the item's id). So a board costs `limit` lookups, never a pass over
    everything its items ever went through (issue 11). One query, compiled
    once per process.
    """
    scope, scope_id = ("customer", customer.pk) if customer is not None else ("team", team.pk)
    rows = []
    for values in _history_read(model, holder, due, scope, limit).rows(scope_id=scope_id):
        when, history_type, reason, status, due_value, label, *rest = values
        holder_person, who = _person(*rest[0:4]), _person(*rest[4:8])
        previous_status, previous_due, previous_holder_id = rest[8:11]
        if customer is None:
            customer_id, customer_name = rest[11:13]
            row_customer = None if customer_id is None else Customer(pk=customer_id, full_name=customer_name)
        else:
            row_customer = customer
        rows.append(
            _HistoryRow(
                when=when,
                history_type=history_type,
                reason=reason,
                status=status,
                due=due_value,
                holder=holder_person,
                who=who,
                customer=row_customer,
                label=kind_label(label) if model is CheckIn else label,
                previous_status=previous_status,
                previous_due=previous_due,
                previous_holder_id=previous_holder_id,
            )
        )
    return rows


def _history_event(row: _HistoryRow, *, created: str) -> str | None:
    """The event of one history row; None for a save that changed nothing shown here."""
    if row.history_type == "+":
        return created
    if row.history_type == "-":
        return None
    if row.previous_status is None:  # the item's earlier rows were never written (bulk-created data)
        return _STATUS_EVENTS.get(row.status, "changed")
    if row.status != row.previous_status:
        return _STATUS_EVENTS.get(row.status, "changed")
    if row.due != row.previous_due:
        return "rescheduled"
    if (row.holder.pk if row.holder else None) != row.previous_holder_id:
        return "reassigned"
    if row.reason == "called again":  # a callback: another missed call joined it
        return "called_again"
    return None


def followup_history(*, customer: Customer | None = None, team: Team | None = None, limit: int = HISTORY_LIMIT):
    """The latest changes to the check-ins and promises of a customer or of a team, newest first.

    Who planned, reassigned (from whom to whom), rescheduled (to which day),
    skipped, kept, cancelled or superseded what, when and why, read from
    the history tables that every service writes. Two queries (one per
    history table, each compiled once per process), a third when a line
    names whom an item was reassigned from; at most `limit` changes.
    """
    found = []
    for model, item, holder, due, created in (
        (CheckIn, "checkin", "assignee", "due_date", "planned"),
        (Promise, "promise", "owner", "due_at", "promised"),
    ):
        for row in _history_rows(model, holder=holder, due=due, limit=limit * 2, customer=customer, team=team):
            event = _history_event(row, created=created)
            if event is not None:
                found.append((item, event, row))
    # Whom a reassignment took the item from: only those names are read (one query, when there is one).
    earlier_ids = {row.previous_holder_id for _, event, row in found if event == "reassigned"} - {None}
    earlier = (
        {pk: _person(pk, *names) for pk, *names in _User.objects.filter(pk__in=earlier_ids).values_list("pk", *_PEOPLE)}
        if earlier_ids
        else {}
    )
    changes = [
        FollowupChange(
            when=row.when,
            who=row.who,
            item=item,
            event=event,
            customer=row.customer,
            label=row.label,
            due=row.due,
            holder=row.holder,
            previous_holder=display_name(earlier.get(row.previous_holder_id)) if event == "reassigned" else "",
            reason=(row.reason or "") if event in _REASON_EVENTS else "",
        )
        for item, event, row in found
    ]
    changes.sort(key=lambda change: change.when, reverse=True)
    return changes[:limit]

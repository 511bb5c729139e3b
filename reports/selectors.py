"""The weekly report's numbers, aggregated in the database.

Contacts come from the weekly summary (reports.summaries: a few hundred rows
a week, kept exact by every change); check-ins and promises from their rows,
because "overdue" and "broken" depend on now. Every query groups by (week,
team) at once, so the page costs the same handful of queries whatever the
number of contacts, teams or weeks; the twelve-week trend counts only the six
series its two charts draw. Raw figures are additive counts and sums; a total
is the sum of its teams, and rates and averages are derived from the sums
(see figures.py). The one exception is the handovers' waits, a list of
hours per group (a median does not add up): lists join. Everything here reads from the replica when there is one.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext

from contactcare.db_router import replica_reads
from contacts.models import ContactMoment, Team, contact_alive
from contacts.repeats import REPEAT_RULE, repeat_expression
from cti.models import Call
from followups.models import CheckIn, CheckInIs, Handover, HandoverIs, Promise, PromiseIs
from followups.planning import desk_opening_hours, handover_waited

from .figures import FIGURES
from .models import WeeklySummary
from .summaries import contact_counts
from .weeks import IsoWeek

TREND_WEEKS = 12


def _period(field_name: str, weeks: list[IsoWeek], *, dates: bool = False) -> Case:
    """An annotation naming the week (its label) a date or datetime falls in."""
    whens = [
        When(
            **{f"{field_name}__gte": week.days[0] if dates else week.start},
            **{f"{field_name}__{'lte' if dates else 'lt'}": week.days[1] if dates else week.end},
            then=Value(week.label),
        )
        for week in weeks
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


def _labels_by_day(weeks: list[IsoWeek]) -> dict:
    """{local date: its week's label} for every day of `weeks` (what `_period` says of a date, in Python)."""
    return {week.monday + timedelta(days=n): week.label for week in weeks for n in range(7)}


def _span(field_name: str, weeks: list[IsoWeek], *, dates: bool = False) -> Q:
    first, last = min(weeks), max(weeks)
    if dates:
        return Q(**{f"{field_name}__gte": first.days[0], f"{field_name}__lte": last.days[1]})
    return Q(**{f"{field_name}__gte": first.start, f"{field_name}__lt": last.end})


def _made_in_alive_contact(field_name: str) -> Q:
    """Made in (or planned from) a contact that is not deleted: a hashed anti-join on the few deleted contacts
    (a small partial index), where a join to the contacts would read millions of rows for the trend."""
    return ~Q(**{f"{field_name}__in": ContactMoment.objects.exclude(contact_alive()).values("pk")})


def _checkin_counts(today) -> dict:
    return {
        "checkins_due": Count("pk", filter=CheckInIs.due()),
        "checkins_on_time": Count("pk", filter=CheckInIs.done_on_time()),
        "checkins_late": Count("pk", filter=CheckInIs.done_late()),
        "checkins_overdue": Count("pk", filter=CheckInIs.overdue(today)),
        "checkins_skipped": Count("pk", filter=Q(status=CheckIn.Status.SKIPPED)),
        "checkins_superseded": Count("pk", filter=Q(status=CheckIn.Status.SUPERSEDED)),
        # per promise (the rows are grouped by it too): folded into promises by `_updates_per_promise`
        _UPDATES_NEEDED: Count("pk", filter=CheckInIs.update_needed()),
        _UPDATES_ON_TIME: Count("pk", filter=CheckInIs.keep_informed() & CheckInIs.done_on_time()),
    }


_UPDATES_NEEDED, _UPDATES_ON_TIME = "_updates_needed", "_updates_on_time"


def _updates_per_promise(per_promise: dict) -> dict:
    """{(week label, group): {"to_keep_informed": n, "updated_every_period": m}} from the keep-informed check-ins
    counted per (week, group, promise): a promise counts once a week, and was updated in every period when
    each of its needed check-ins due that week was done on time (`CheckInIs.update_needed`, `done_on_time`)."""
    counts: dict = {}
    for (label, group, _promise), (needed, on_time) in per_promise.items():
        if needed:
            bucket = counts.setdefault((label, group), {"to_keep_informed": 0, "updated_every_period": 0})
            bucket["to_keep_informed"] += 1
            bucket["updated_every_period"] += int(on_time == needed)
    return counts


# The promise figures count what people promised in contacts; callbacks (missed calls) and reply-by promises
# (issue 13) have their own figures, from the same query: "Callbacks due", "Reply-by promises" … (figures.py).
_PROMISE = PromiseIs.made_by_person()


def _promise_counts(now) -> dict:
    # "Due" is one thing for promises, callbacks and replies alike, as for check-ins: due in the week and still
    # owed, so not cancelled (`PromiseIs.due`); cancelled promises are a figure of their own.
    return {
        "promises_due": Count("pk", filter=_PROMISE & PromiseIs.due()),
        "kept_on_time": Count("pk", filter=_PROMISE & PromiseIs.kept_on_time()),
        "kept_late": Count("pk", filter=_PROMISE & PromiseIs.kept_late()),
        "broken": Count("pk", filter=_PROMISE & PromiseIs.broken(now)),
        "cancelled": Count("pk", filter=_PROMISE & Q(status=Promise.Status.CANCELLED)),
        "callbacks_due": Count("pk", filter=PromiseIs.callback() & PromiseIs.due()),
        "callbacks_on_time": Count("pk", filter=PromiseIs.callback() & PromiseIs.kept_on_time()),
        "replies_due": Count("pk", filter=PromiseIs.reply() & PromiseIs.due()),
        "replies_on_time": Count("pk", filter=PromiseIs.reply() & PromiseIs.kept_on_time()),
    }


def _handover_counts(now) -> dict:
    return {
        "handovers": Count("pk"),
        "handovers_accepted": Count("pk", filter=HandoverIs.accepted()),
        "handovers_passed_on": Count("pk", filter=HandoverIs.passed_on()),
        "handovers_escalated": Count("pk", filter=HandoverIs.escalated(now)),
    }


def _handover_rows(weeks: list[IsoWeek], *, by: str, teams: list[int] | None, now) -> list[dict]:
    """Handovers made in each week, per receiving team (or the colleague they went to), and how long each
    accepted one had the customer wait: two queries.

    A wait runs from the first handover of the customer's chain to the acceptance, in the desk's business
    hours (`planning.handover_waited`); it is a list of hours per group, not a sum, so that the median of a
    team, and of all teams together, is the median of its handovers (see figures.py).
    """
    handovers = Handover.objects.filter(_span("created_at", weeks))
    if teams is not None:
        handovers = handovers.filter(team__in=teams)
    group = "team" if by == "team" else "to_user"
    rows = handovers.annotate(period=_period("created_at", weeks)).values("period", group)
    found = [{**row, "group": row.pop(group)} for row in rows.annotate(**_handover_counts(now)).order_by()]
    accepted = (
        handovers.filter(HandoverIs.accepted())
        .annotate(period=_period("created_at", weeks))
        .values_list("period", group, "chain_started_at", "answered_at")
        .order_by()
    )
    opening = None  # the desk's opening hours, read once when there is a wait to work out (not per handover)
    for period, group_value, started, answered in accepted:
        opening = opening or desk_opening_hours()
        waited = handover_waited(started, answered, opening=opening).total_seconds() / 3600
        found.append({"period": period, "group": group_value, "handover_waits": [waited]})
    return found


def _rescheduled_rows(weeks: list[IsoWeek], *, group: str, scope) -> list[dict]:
    """Check-ins moved out of the week they were first due in, counted in that week (`CheckInIs.rescheduled_out`):
    one query on the few check-ins ever rescheduled (a partial index on their first due date)."""
    moved = Q(pk__in=[])
    for week in weeks:
        moved |= CheckInIs.rescheduled_out(*week.days)
    checkins = scope(CheckIn.objects.filter(moved, _made_in_alive_contact("origin")))
    label_of_day = _labels_by_day(weeks)
    rows = checkins.values("first_due_date", group).annotate(checkins_rescheduled=Count("pk")).order_by()
    return [{"period": label_of_day[row.pop("first_due_date")], **row} for row in rows]


def _rows(queryset: QuerySet, group: list[str], counts: dict) -> list[dict]:
    return list(queryset.values(*group).annotate(**counts).order_by())


def _counted_now() -> Q:
    """A summary row counted with the repeat rule and window as they are now."""
    return Q(repeat_window_days=settings.REPEAT_CONTACT_WINDOW_DAYS, repeat_rule=REPEAT_RULE)


def repeat_flags_current(weeks: list[IsoWeek]) -> bool:
    """Whether the weeks' repeat flags follow the rule and window as they are now (no row counted otherwise)."""
    return not WeeklySummary.objects.filter(week__in=[week.monday for week in weeks]).exclude(_counted_now()).exists()


def _summary_counts(*, weeks: list[IsoWeek], by: str, teams: list[int] | None) -> tuple[list, set[str]]:
    """Contacts' raw counts from the weekly summary: ([(week label, group, counts)], labels of stale weeks).

    A week whose rows were counted with another repeat window or rule (the
    setting or the definition changed, and `report_summaries_rebuild` has
    not run since) is stale. Contacts without a team are the group None.
    """
    labels = {week.monday: week.label for week in weeks}
    rows = WeeklySummary.objects.filter(week__in=labels)
    if teams is not None:
        rows = rows.filter(team_id__in=teams)
    found, stale = [], set()
    for monday, team, person, counts, current in rows.annotate(
        current=ExpressionWrapper(_counted_now(), output_field=BooleanField())
    ).values_list("week", "team_id", "person_id", "counts", "current"):
        if not current:
            stale.add(labels[monday])
        found.append((labels[monday], team if by == "team" else person, counts))
    return found, stale


def _trend_checkin_counts(today) -> dict:
    return {
        "checkins_on_time": Count("pk", filter=CheckInIs.done_on_time()),
        "checkins_late": Count("pk", filter=CheckInIs.done_late()),
        "checkins_overdue": Count("pk", filter=CheckInIs.overdue(today)),
    }


def _trend_promise_counts(now) -> dict:
    return {
        "kept_on_time": Count("pk", filter=_PROMISE & PromiseIs.kept_on_time()),
        "kept_late": Count("pk", filter=_PROMISE & PromiseIs.kept_late()),
        "broken": Count("pk", filter=_PROMISE & PromiseIs.broken(now)),
    }


def _missed_call_rows(weeks: list[IsoWeek], *, by: str, teams: list[int] | None) -> list[dict]:
    """Missed calls per week and team (or the person the telephone system rang): one aggregate on the calls."""
    calls = Call.objects.missed().filter(_span("started_at", weeks))
    if teams is not None:
        calls = calls.filter(team__in=teams)
    group = "team" if by == "team" else "user"
    rows = calls.annotate(period=_period("started_at", weeks)).values("period", group)
    return [{**row, "group": row.pop(group)} for row in rows.annotate(missed_calls=Count("pk")).order_by()]


def raw_counts(
    *, weeks: list[IsoWeek], now: datetime, by: str = "team", teams: list[int] | None = None, trend: bool = False
) -> dict:
    """{(week label, group value): {raw figure: number}} for the given weeks, in eight queries.

    `by` is "team", or "person" (contacts by who logged them, check-ins by
    assignee, promises by owner). `teams` limits the rows to those teams.
    Contacts come from the weekly summary; check-ins and promises from
    their rows, whose "overdue" and "broken" depend on `now`. With `trend`,
    only what the trend's charts draw: check-ins and promises kept, late,
    overdue or broken (two queries).
    """
    today = timezone.localdate(now)
    group_field = {
        "contacts": "team" if by == "team" else "logged_by",
        "checkins": "team" if by == "team" else "assignee",
        "promises": "team" if by == "team" else "owner",
    }
    scope = (lambda qs: qs.filter(team__in=teams)) if teams is not None else (lambda qs: qs)
    result: dict[tuple[str, object], dict] = {}

    def add_one(key, values):
        bucket = result.setdefault(key, {})
        for name, value in values.items():
            bucket[name] = _plus(bucket.get(name), value)

    def add(rows, group):
        for row in rows:
            add_one((row.pop("period"), row.pop(group)), row)

    # A deleted contact counts nowhere: not itself, not as the earlier contact of a repeat, and not the
    # check-ins it planned or the promises made in it (deleting closed the open ones; a figure would
    # otherwise show them as skipped or cancelled work).
    if not trend:
        summarised, stale = _summary_counts(weeks=weeks, by=by, teams=teams)
        for label, group, counts in summarised:
            if label not in stale:
                add_one((label, group), counts)
        if stale:  # counted from the contacts, with the window as it is now
            stale_weeks = [week for week in weeks if week.label in stale]
            contacts = scope(ContactMoment.objects.alive().filter(_span("occurred_at", stale_weeks))).annotate(
                period=_period("occurred_at", stale_weeks), repeat_now=repeat_expression()
            )
            counts = {**contact_counts(), "repeat": Count("pk", filter=Q(direction="in", repeat_now=True))}
            add(_rows(contacts, ["period", group_field["contacts"]], counts), group_field["contacts"])
    # Check-ins are grouped by their due date, a plain column, and each day is put in its week here: a
    # CASE naming the week costs a dozen comparisons per row, and the trend reads a quarter of a million rows.
    # Outside the trend they are grouped by promise too (one group for all check-ins without one), so that a
    # promise kept informed counts once a week, however many of its check-ins fell due (issue 13).
    checkins = scope(CheckIn.objects.filter(_span("due_date", weeks, dates=True), _made_in_alive_contact("origin")))
    checkin_counts = _trend_checkin_counts(today) if trend else _checkin_counts(today)
    label_of_day = _labels_by_day(weeks)
    group = ["due_date", group_field["checkins"]] + ([] if trend else ["promise"])
    per_promise: dict = {}
    for row in _rows(checkins, group, checkin_counts):
        key = (label_of_day.get(row.pop("due_date"), ""), row.pop(group_field["checkins"]))
        promise = row.pop("promise", None)
        needed, on_time = row.pop(_UPDATES_NEEDED, 0), row.pop(_UPDATES_ON_TIME, 0)
        if promise is not None:
            was = per_promise.get((*key, promise), (0, 0))
            per_promise[(*key, promise)] = (was[0] + needed, was[1] + on_time)
        add_one(key, row)
    for key, values in _updates_per_promise(per_promise).items():
        add_one(key, values)
    if not trend:
        add(_rescheduled_rows(weeks, group=group_field["checkins"], scope=scope), group_field["checkins"])
    promises = scope(Promise.objects.filter(_span("due_at", weeks), _made_in_alive_contact("moment"))).annotate(
        period=_period("due_at", weeks)
    )
    promise_counts = _trend_promise_counts(now) if trend else _promise_counts(now)
    add(_rows(promises, ["period", group_field["promises"]], promise_counts), group_field["promises"])
    if not trend:
        made = scope(
            Promise.objects.filter(_span("made_at", weeks), _PROMISE, _made_in_alive_contact("moment"))
        ).annotate(period=_period("made_at", weeks))
        add(_rows(made, ["period", group_field["promises"]], {"promises_made": Count("pk")}), group_field["promises"])
        add(_missed_call_rows(weeks, by=by, teams=teams), "group")
        add(_handover_rows(weeks, by=by, teams=teams, now=now), "group")
    return result


def _plus(total, value):
    """Raw figures add up: counts and sums as numbers, the handovers' waits as lists (joined, for a median)."""
    if isinstance(value, list):
        return [*(total or []), *value]
    return (total or 0) + (value or 0)


def _sum(raws) -> dict:
    total: dict = {}
    for raw in raws:
        for name, value in raw.items():
            total[name] = _plus(total.get(name), value)
    return total


def figures_of(raw: dict) -> dict:
    """Every figure of FIGURES, by key, from raw counts."""
    return {figure.key: figure.value(raw) for figure in FIGURES}


@dataclass
class Scope:
    """What the report is about: one team, or every team together (team None)."""

    team: Team | None

    @property
    def label(self) -> str:
        return self.team.name if self.team else gettext("All teams")


@dataclass
class WeeklyReport:
    week: IsoWeek
    previous: IsoWeek
    scope: Scope
    current: dict  # figure key -> value
    before: dict
    raw: dict  # this week's raw counts for the scope (charts)
    teams: list = field(default_factory=list)  # [(team, figures)] for the comparison between teams
    people: list = field(default_factory=list)  # [(user, figures)] when the scope is one team
    trend: list = field(default_factory=list)  # [(week, raw)] for the last TREND_WEEKS weeks


@replica_reads()
def weekly_report(
    *,
    week: IsoWeek,
    team: Team | None,
    now: datetime,
    teams: list[Team],
    with_people: bool,
    trend_known: Collection[date] = (),
) -> WeeklyReport:
    """The report for `week` and the week before, for `team`, or for everything when `team` is None.

    `teams` are the teams the reader may see, compared side by side.
    Queries: eight for the two weeks of those teams (summary, check-ins,
    rescheduled check-ins, promises due, promises made, missed calls,
    handovers and their waits), two for the twelve-week trend, eight more for
    the people of one team, one
    for their names: constant, whatever the amount of data. The trend weeks
    whose Mondays are in `trend_known` (closed weeks, whose figures the caller
    has kept) are not counted: their place in the trend is left empty for the
    caller, and when all are known the trend costs no query.
    """
    previous = week.previous()
    limit = None if team is None else [t.pk for t in teams]
    counts = raw_counts(weeks=[previous, week], now=now, teams=limit)

    def scoped(label):
        return _sum(
            raw for (period, group), raw in counts.items() if period == label and (team is None or group == team.pk)
        )

    current_raw, before_raw = scoped(week.label), scoped(previous.label)
    per_team = [
        (t, figures_of(_sum(raw for (p, g), raw in counts.items() if p == week.label and g == t.pk))) for t in teams
    ]
    if team is None and _has_no_team(counts, [week.label]):  # so that the teams' rows add up to all teams
        per_team.append(
            (None, figures_of(_sum(raw for (p, g), raw in counts.items() if p == week.label and g is None)))
        )

    # A set: near the first supported week the trend is shorter, not repeated.
    trend_weeks = sorted({week.previous(n) for n in range(TREND_WEEKS)})
    counted = [w for w in trend_weeks if w.monday not in trend_known]
    trend_counts = raw_counts(weeks=counted, now=now, teams=[team.pk] if team else None, trend=True) if counted else {}
    trend = [(w, _sum(raw for (p, _), raw in trend_counts.items() if p == w.label)) for w in trend_weeks]

    people = []
    if with_people and team is not None:
        person_counts = raw_counts(weeks=[week], now=now, by="person", teams=[team.pk])
        users = get_user_model().objects.in_bulk([g for (_, g) in person_counts if g is not None])
        people = sorted(
            ((users.get(g), figures_of(raw)) for (_, g), raw in person_counts.items() if g is not None),
            key=lambda pair: pair[0].get_full_name() if pair[0] else "",
        )

    return WeeklyReport(
        week=week,
        previous=previous,
        scope=Scope(team),
        current=figures_of(current_raw),
        before=figures_of(before_raw),
        raw=current_raw,
        teams=per_team,
        people=people,
        trend=trend,
    )


def _has_no_team(counts: dict, labels: list[str]) -> bool:
    """Whether anything of the weeks `labels` was counted without a team (contacts, check-ins, promises …)."""
    return any(group is None and any(raw.values()) for (period, group), raw in counts.items() if period in labels)


@replica_reads()
def report_tables(
    *, week: IsoWeek, now: datetime, teams: list[Team], no_team: bool = True
) -> list[tuple[str, dict, dict]]:
    """(scope name, this week's figures, last week's) for all teams together, each team, and (with `no_team`,
    when there is any) what was counted without a team, so that the teams' tables add up to all teams.
    Eight queries."""
    previous = week.previous()
    counts = raw_counts(weeks=[previous, week], now=now)

    def figures(label, *groups):  # no groups: every team, and what has no team
        return figures_of(
            _sum(raw for (period, group), raw in counts.items() if period == label and (not groups or group in groups))
        )

    tables = [(gettext("All teams"), figures(week.label), figures(previous.label))]
    tables += [(team.name, figures(week.label, team.pk), figures(previous.label, team.pk)) for team in teams]
    if no_team and _has_no_team(counts, [week.label, previous.label]):
        tables.append((gettext("No team"), figures(week.label, None), figures(previous.label, None)))
    return tables


def figure_rows(report: WeeklyReport) -> list[tuple]:
    """(figure, this week, the week before) in display order."""
    return [(figure, report.current[figure.key], report.before[figure.key]) for figure in FIGURES]

"""Closed weeks: the weekly report's figures as they stood when the week was closed, and what changed since.

"Overdue" and "broken" depend on when they are counted, so without this a
check-in done late on Tuesday would change last week's figures, and the
Monday e-mail would no longer match the page. A week is closed once
(`week_close`): by the Monday sweep from WEEKLY_REPORT_TIME, whether or not
anybody receives the e-mail, or by hand (`manage.py report_week_close`). Its
additive raw counts are kept per team and per person of each team (never
anything about a customer); the e-mail, the page and the downloads of a
closed week are built from them, and the page shows beside them the live
figures' differences ("since Monday: 2 overdue check-ins done late"). The
open week, and a past week nobody closed, read live as before.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext_lazy

from contactcare.db_router import replica_reads
from contactcare.formats import long_day
from contacts.models import Team

from . import selectors
from .figures import FIGURES, half_up
from .models import ClosedWeek
from .selectors import _sum  # raw counts add up as the report adds them (lists join)
from .weeks import IsoWeek

NO_TEAM_KEY = "none"


def _team_key(team_id: int | None) -> str:
    """The key of a team in the stored figures: "t12", or "none" for contacts without a team. Not the bare id:
    a key that reads as a number is an array index to a JSON path (SQLite's, and PostgreSQL's for one level)."""
    return NO_TEAM_KEY if team_id is None else f"t{team_id}"


def week_figures_count(*, week: IsoWeek, now: datetime) -> dict:
    """The week's raw counts of every scope as of `now`, as ClosedWeek.figures keeps them.

    Seven queries for the teams, and seven per team for its people: run once a
    week, from the primary (not the replica: a closing must not miss what was
    just written).
    """
    counts = selectors.raw_counts(weeks=[week], now=now)
    teams = {_team_key(group): raw for (label, group), raw in counts.items() if label == week.label}
    people = {}
    for team_id in Team.objects.order_by("pk").values_list("pk", flat=True):
        per_person = selectors.raw_counts(weeks=[week], now=now, by="person", teams=[team_id])
        found = {
            str(person): raw
            for (label, person), raw in per_person.items()
            if label == week.label and person is not None
        }
        if found:
            people[_team_key(team_id)] = found
    return {"teams": teams, "people": people}


def week_close(*, week: IsoWeek, now: datetime, actor, how: str) -> tuple[ClosedWeek, bool]:
    """Close `week` with its figures as of `now`: (the closing, whether this call made it).

    Exactly once per week: a week closed already is left as it is (the first
    closing stands), and of two workers closing at the same moment the unique
    week lets one insert and hands the other the winner's row. A week that is
    not over cannot be closed.
    """
    if now < week.end:
        raise ValidationError(
            gettext("Week %(week)s is not over yet: it can be closed from the Monday after it."),
            code="not_over",
            params={"week": week.label},
        )
    found = ClosedWeek.objects.filter(week=week.monday).first()
    if found is not None:
        return found, False
    figures = week_figures_count(week=week, now=now)
    try:
        with transaction.atomic():
            closing = ClosedWeek.objects.create(
                week=week.monday, closed_at=now, closed_by=actor, how=how, figures=figures
            )
    except IntegrityError:  # another worker closed it meanwhile: theirs stands
        return ClosedWeek.objects.get(week=week.monday), False
    return closing, True


@replica_reads()
def person_counts(*, weeks: list[IsoWeek], team_id: int, now: datetime) -> dict:
    """{(week label, person id): raw counts} of one team's people over `weeks`, as `selectors.raw_counts` by
    person gives them: a closed week's from its closing (as that week's report shows them), the others
    counted now. One query for the closings (only this team's part of each), and raw_counts' queries only
    when one of the weeks is not closed: twelve closed weeks cost what one does (issue 11)."""
    key = _team_key(team_id)
    kept = dict(
        ClosedWeek.objects.filter(week__in=[week.monday for week in weeks]).values_list(
            "week", f"figures__people__{key}"
        )
    )
    result = {
        (week.label, int(person)): raw
        for week in weeks
        if week.monday in kept
        for person, raw in (kept[week.monday] or {}).items()
    }
    counted = [week for week in weeks if week.monday not in kept]
    if counted:
        result.update(selectors.raw_counts(weeks=counted, now=now, by="person", teams=[team_id]))
    return result


# What changed since the closing, in words: a rise in one of these raw counts of a closed week can only be
# work done late on the week's items (the week was over when it closed, so everything still open then was
# overdue or broken), or contacts of the week logged or removed afterwards.
_SINCE = [
    (
        "checkins_late",
        1,
        ngettext_lazy("%(count)s overdue check-in done late", "%(count)s overdue check-ins done late", "count"),
    ),
    (
        "checkins_skipped",
        1,
        ngettext_lazy("%(count)s overdue check-in skipped", "%(count)s overdue check-ins skipped", "count"),
    ),
    (
        "checkins_superseded",
        1,
        ngettext_lazy("%(count)s overdue check-in superseded", "%(count)s overdue check-ins superseded", "count"),
    ),
    (
        "kept_late",
        1,
        ngettext_lazy("%(count)s broken promise kept late", "%(count)s broken promises kept late", "count"),
    ),
    (
        "cancelled",
        1,
        ngettext_lazy("%(count)s broken promise cancelled", "%(count)s broken promises cancelled", "count"),
    ),
    ("handovers_accepted", 1, ngettext_lazy("%(count)s handover accepted", "%(count)s handovers accepted", "count")),
    ("handovers_passed_on", 1, ngettext_lazy("%(count)s handover passed on", "%(count)s handovers passed on", "count")),
    (
        "contacts",
        1,
        ngettext_lazy(
            "%(count)s contact of the week logged afterwards",
            "%(count)s contacts of the week logged afterwards",
            "count",
        ),
    ),
    (
        "contacts",
        -1,
        ngettext_lazy(
            "%(count)s contact of the week deleted or erased",
            "%(count)s contacts of the week deleted or erased",
            "count",
        ),
    ),
]
_PLACES = {"%": 1, "avg": 2, "h": 1}  # the decimals a difference keeps, as the figure shows them


def difference(live, closed, unit: str = ""):
    """Live minus closed, as the figure counts it; None when either is missing or nothing changed."""
    if live is None or closed is None or live == closed:
        return None
    if not unit:
        return live - closed
    # Both are already rounded half up (their shortest decimal forms): subtract those decimals, not the floats.
    return float(half_up(Decimal(str(live)) - Decimal(str(closed)), places=_PLACES.get(unit, 0)))


@dataclass
class Closed:
    """A closed week as a page or a download shows it."""

    closed_at: datetime
    by_hand: bool = False  # closed by `report_week_close`, not when the Monday e-mail went out
    since: list = field(default_factory=list)  # per table (downloads): {figure key: live minus closed}
    changes: dict = field(default_factory=dict)  # page: {figure key: what it is now, as text}
    sentences: list = field(default_factory=list)  # page: what changed since, the meaningful ones in words

    @property
    def when(self) -> str:
        """ "Monday 9 November 07:00", in the active language."""
        return f"{long_day(self.closed_at)} {timezone.localtime(self.closed_at):%H:%M}"

    @property
    def weekday(self) -> str:
        """ "Monday": the day "since" refers to (a closing that caught up after an outage says its own day)."""
        return dateformat.format(timezone.localtime(self.closed_at), "l")


def _changes(closed_figures: dict, live_figures: dict) -> dict:
    """{figure key: text} for the figures that differ now: "+2" / "−1" for a count, "now 45.0 %" otherwise."""
    from contactcare.templatetags.contactcare import figure as shown  # the page's own formatting

    changes = {}
    for figure in FIGURES:
        change = difference(live_figures.get(figure.key), closed_figures.get(figure.key), figure.unit)
        if change is None:
            if closed_figures.get(figure.key) != live_figures.get(figure.key):  # one side has nothing to count
                changes[figure.key] = gettext("now %(value)s") % {"value": shown(live_figures.get(figure.key))}
            continue
        if figure.unit:
            changes[figure.key] = gettext("now %(value)s") % {"value": shown(live_figures[figure.key], figure.unit)}
        else:
            changes[figure.key] = f"+{shown(change)}" if change > 0 else f"−{shown(-change)}"
    return changes


def _sentences(closed_raw: dict, live_raw: dict) -> list[str]:
    found = []
    for key, sign, text in _SINCE:
        change = (live_raw.get(key, 0) - closed_raw.get(key, 0)) * sign
        if change > 0:
            found.append(text % {"count": change})  # lazy plurals pick their form by "count"
    return found


def _scope_raw(teams: dict | None, team: Team | None) -> dict:
    """The raw counts of one team, or of all teams together (deleted ones and contacts without a team too)."""
    teams = teams or {}
    if team is None:
        return _sum(teams.values())
    return teams.get(_team_key(team.pk)) or {}


def _closed_rows(mondays, team: Team | None) -> dict:
    """{Monday: (closed_at, how, {team key: raw} of the scope, {person id: raw} of the team or None)}: one query
    that reads only the scope's part of each closing."""
    rows = ClosedWeek.objects.filter(week__in=mondays)
    if team is None:
        values = rows.values_list("week", "closed_at", "how", "figures__teams")
        return {w: (at, how, teams, None) for w, at, how, teams in values}
    key = _team_key(team.pk)
    values = rows.values_list("week", "closed_at", "how", f"figures__teams__{key}", f"figures__people__{key}")
    return {w: (at, how, {key: raw or {}}, people or {}) for w, at, how, raw, people in values}


@replica_reads()
def weekly_report(
    *, week: IsoWeek, team: Team | None, now: datetime, teams: list[Team], with_people: bool
) -> tuple[selectors.WeeklyReport, Closed | None]:
    """The report of `week` (selectors.weekly_report), from its closing when it was closed, and what changed since.

    The live report is counted as ever (without its people when the week is
    closed: those come from the closing, and without the trend's closed
    weeks); one query more reads the closings of the twelve weeks of the
    trend, whose closed weeks (the week before too, on an open week's page)
    show their kept figures, and one more the names of the people of a
    closed week.
    """
    previous = week.previous()
    trend_weeks = {week.previous(n) for n in range(selectors.TREND_WEEKS)}
    closed = _closed_rows({w.monday for w in trend_weeks | {previous, week}}, team)
    this = closed.get(week.monday)
    live = selectors.weekly_report(
        week=week, team=team, now=now, teams=teams, with_people=with_people and this is None, trend_known=set(closed)
    )
    trend = [(w, _scope_raw(closed[w.monday][2], team) if w.monday in closed else raw) for w, raw in live.trend]
    before = live.before
    if previous < week and previous.monday in closed:  # the week before as it was kept, as on its own page
        before = selectors.figures_of(_scope_raw(closed[previous.monday][2], team))
    if this is None:
        return replace(live, before=before, trend=trend), None

    closed_at, how, team_raws, people_raws = this
    current_raw = _scope_raw(team_raws, team)
    if team is None:
        per_team = [(t, selectors.figures_of(team_raws.get(_team_key(t.pk)) or {})) for t in teams]
        if any((team_raws.get(NO_TEAM_KEY) or {}).values()):  # as the live page: the teams add up to all teams
            per_team.append((None, selectors.figures_of(team_raws[NO_TEAM_KEY])))
    else:
        per_team = [(t, selectors.figures_of(current_raw)) for t in teams if t.pk == team.pk]
    people = []
    if with_people and team is not None and people_raws:
        users = get_user_model().objects.in_bulk([int(pk) for pk in people_raws])
        people = sorted(
            ((users.get(int(pk)), selectors.figures_of(raw)) for pk, raw in people_raws.items()),
            key=lambda pair: pair[0].get_full_name() if pair[0] else "",
        )
    report = replace(
        live,
        current=selectors.figures_of(current_raw),
        before=before,
        raw=current_raw,
        teams=per_team,
        people=people,
        trend=trend,
    )
    info = Closed(
        closed_at=closed_at,
        by_hand=how == ClosedWeek.How.COMMAND,
        changes=_changes(report.current, live.current),
        sentences=_sentences(current_raw, live.raw),
    )
    return report, info


@replica_reads()
def report_tables(
    *, week: IsoWeek, now: datetime, teams: list[Team], total: bool = True, since: bool = True
) -> tuple[list[tuple[str, dict, dict]], Closed | None]:
    """(scope name, this week's figures, last week's) for all teams together (with `total`) and each of
    `teams`, as selectors.report_tables; a week that was closed (this one, or the one before) from its
    closing. With the closing of this week, and per table what changed since it (`since`). One query for
    the closings, and seven for the live figures when any are needed."""
    previous = week.previous()
    closings = {
        monday: (closed_at, how, teams_raw or {})
        for monday, closed_at, how, teams_raw in ClosedWeek.objects.filter(
            week__in=[previous.monday, week.monday]
        ).values_list("week", "closed_at", "how", "figures__teams")
    }
    this = closings.get(week.monday)
    before_closing = closings.get(previous.monday) if previous < week else None
    if this is None and before_closing is None:
        tables = selectors.report_tables(week=week, now=now, teams=teams, no_team=total)
        return (tables if total else tables[1:]), None
    live = {}
    if this is None or before_closing is None or since:
        counts = selectors.raw_counts(weeks=[previous, week], now=now)
        live = {
            label: {_team_key(group): raw for (period, group), raw in counts.items() if period == label}
            for label in (previous.label, week.label)
        }
    current_raws = this[2] if this is not None else live[week.label]
    before_raws = before_closing[2] if before_closing is not None else live[previous.label]
    tables, differences = [], []
    for name, key in _scopes(teams, total=total, raws=[current_raws, before_raws]):
        current = selectors.figures_of(_key_raw(current_raws, key))
        tables.append((name, current, selectors.figures_of(_key_raw(before_raws, key))))
        if this is not None and since:
            now_figures = selectors.figures_of(_key_raw(live[week.label], key))
            differences.append({f.key: difference(now_figures.get(f.key), current.get(f.key), f.unit) for f in FIGURES})
    if this is None:
        return tables, None
    return tables, Closed(closed_at=this[0], by_hand=this[1] == ClosedWeek.How.COMMAND, since=differences)


def _scopes(teams: list[Team], *, total: bool, raws: list[dict]) -> list[tuple[str, str | None]]:
    """The tables of the downloads and the e-mail, in order, with the key of their raw counts: all teams together
    (None), each team, and with the total, contacts without a team when there were any (so the teams add up)."""
    scopes = ([(gettext("All teams"), None)] if total else []) + [(team.name, _team_key(team.pk)) for team in teams]
    if total and any(any((raw or {}).get(NO_TEAM_KEY, {}).values()) for raw in raws):
        scopes.append((gettext("No team"), NO_TEAM_KEY))
    return scopes


def _key_raw(teams: dict | None, key: str | None) -> dict:
    """The raw counts stored under `key` (a team's, or no team's), or of all teams together (None)."""
    teams = teams or {}
    return _sum(teams.values()) if key is None else teams.get(key) or {}

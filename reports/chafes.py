"""Where it chafes ("Waar schuurt het?"): topics and channels ranked by what customers feel.

The figures, each counted once, here:

- repeat-contact rate: inbound contacts with the stored repeat flag
  (contacts.repeats, the one definition) over inbound contacts;
- complaints: contacts marked as a complaint;
- ended worse: contacts whose sentiment at the end was lower than at the
  start, as a share of all contacts;
- promises broken: promises people made in a contact (not callbacks or
  reply-by promises), due in the period, still open after their due time as
  of now (`PromiseIs.broken`, the weekly report's "Broken"), counted under
  the topic and channel of the contact they were made in.

Contacts are read from TopicWeeklySummary (one row per week and team, kept
here from the same signal as the weekly summary, rebuilt by the same
command); promises from their rows, because "broken" depends on now, over
the partial index of open promises by due time (only open ones are read).
"""

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from contactcare.db_router import replica_reads
from contactcare.prepared import PreparedRead
from contacts.models import ContactMoment, Topic
from contacts.repeats import REPEAT_RULE
from followups.models import Promise, PromiseIs

from .figures import half_up
from .models import TopicWeeklySummary
from .summaries import of_teams, week_of
from .weeks import IsoWeek

# A topic or channel with fewer inbound contacts than this in the period is shown, but not ranked: a rate of
# one repeat in two contacts says nothing yet.
MIN_INBOUND_TO_RANK = 10
TREND_WEEKS = 12
NO_TOPIC = "none"  # the drill-down's topic value for contacts without a topic
NO_TOPIC_LABEL = _("No topic")
ADDITIVE = ("contacts", "inbound", "repeat", "complaints", "ended_worse", "broken")
# ?figure=… of the drill-down: which contacts are behind a number
DRILL_FIGURES = {
    "inbound": _("Inbound contacts"),
    "repeat": _("Repeat contacts"),
    "complaints": _("Complaints"),
    "contacts": _("Contacts"),
    "ended_worse": _("Ended worse than they started"),
    "broken": _("Contacts with a broken promise"),
}


def ended_worse() -> Q:
    """A contact that ended worse than it started: the one definition, for counting and for the drill-down."""
    return Q(sentiment_end__lt=F("sentiment_start"))


def _counts() -> dict:
    return {
        "contacts": Count("pk"),
        "inbound": Count("pk", filter=Q(direction=ContactMoment.Direction.INBOUND)),
        "repeat": Count("pk", filter=Q(direction=ContactMoment.Direction.INBOUND, is_repeat=True)),
        "complaints": Count("pk", filter=Q(is_complaint=True)),
        "ended_worse": Count("pk", filter=ended_worse()),
    }


# Upkeep ------------------------------------------------------------------------------------------------------


def _counted(contacts: QuerySet) -> dict[int, list[dict]]:
    """{team key: [counts per (topic, channel)]} of one week's `contacts`, in one grouped query."""
    found: dict[int | None, list[dict]] = defaultdict(list)
    rows = contacts.values("team_id", "topic_id", "channel").annotate(**_counts()).order_by("topic_id", "channel")
    for row in rows:
        team = row.pop("team_id")
        found[team].append({"topic": row.pop("topic_id"), "channel": row.pop("channel"), **row})
    return found


def _one_team_build(*, start: datetime, end: datetime, team_id: int) -> QuerySet:
    return (
        ContactMoment.objects.alive()
        .in_period(start, end)
        .filter(team_id=team_id)
        .values("team_id", "topic_id", "channel")
        .annotate(**_counts())
        .order_by("topic_id", "channel")
        .values_list("topic_id", "channel", *_counts())
    )


# Logging a contact recounts its team's week: one team, built once per process (contactcare.prepared).
_ONE_TEAM = PreparedRead(_one_team_build)


def _counted_one(week: IsoWeek, team_id: int) -> dict[int, list[dict]]:
    """`_counted` of one team's week (the same cells, in the same order)."""
    names = list(_counts())
    cells = [
        {"topic": topic, "channel": channel, **dict(zip(names, values, strict=True))}
        for topic, channel, *values in _ONE_TEAM.rows(start=week.start, end=week.end, team_id=team_id)
    ]
    return {team_id: cells} if cells else {}


def _recount(monday: date, teams: set[int | None], contacts: QuerySet) -> None:
    """Lock the rows of `teams` in week `monday` (created when new, in one order), then count and store them."""
    window = settings.REPEAT_CONTACT_WINDOW_DAYS
    in_order = sorted(teams, key=lambda team: (team is not None, team or 0))  # no team first, as summaries do
    TopicWeeklySummary.objects.bulk_create(
        [
            TopicWeeklySummary(week=monday, team_id=team, repeat_window_days=window, repeat_rule=REPEAT_RULE)
            for team in in_order
        ],
        ignore_conflicts=True,
    )
    rows = list(
        TopicWeeklySummary.objects.select_for_update()
        .filter(of_teams(teams), week=monday)
        .order_by(F("team_id").asc(nulls_first=True))
    )
    (team, *more) = teams
    if not more and team is not None:
        counted = _counted_one(IsoWeek.containing(monday), team)
    else:
        counted = _counted(contacts.filter(of_teams(teams)))
    for row in rows:
        row.counts = counted.get(row.team_id, [])
        row.repeat_window_days = window
        row.repeat_rule = REPEAT_RULE
    TopicWeeklySummary.objects.bulk_update(rows, ["counts", "repeat_window_days", "repeat_rule"])


def topic_buckets_recompute(keys: Iterable[tuple[date, int | None]]) -> None:
    """Recount the (week's Monday, team key) rows of `keys` exactly from the contacts, in the caller's
    transaction. Weeks in order, after the weekly summary's rows (the signal's first receiver): every change
    takes its locks in the same order, so two changes never wait for each other in a circle."""
    by_week: dict[date, set[int | None]] = defaultdict(set)
    for monday, team in keys:
        by_week[monday].add(team)
    with transaction.atomic():
        for monday, teams in sorted(by_week.items()):
            week = IsoWeek.containing(monday)
            _recount(monday, teams, ContactMoment.objects.alive().in_period(week.start, week.end))


def on_contacts_counted_changed(sender, buckets, **kwargs) -> None:
    """contacts.signals.contacts_counted_changed: recount the team-weeks a change touched."""
    topic_buckets_recompute({(week_of(when), team) for when, team, _person in buckets})


def topic_summaries_rebuild_week(week: IsoWeek) -> int:
    """Recount one week's rows from the contacts (after the repeat flags were refreshed: run it after
    `summaries_rebuild_week`). Returns how many team rows have contacts."""
    with transaction.atomic():
        stored = set(TopicWeeklySummary.objects.filter(week=week.monday).values_list("team_id", flat=True))
        contacts = ContactMoment.objects.alive().in_period(week.start, week.end)
        teams = stored | set(contacts.values_list("team_id", flat=True).distinct())
        if teams:
            _recount(week.monday, teams, contacts)
        return TopicWeeklySummary.objects.filter(week=week.monday).exclude(counts=[]).count()


# Reading -----------------------------------------------------------------------------------------------------


def percent(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent, one decimal, halves rounded up (as people and spreadsheets round)."""
    if not whole:
        return None
    return half_up(part * 100, whole, places=1)


@dataclass
class Row:
    """One topic or channel over the period. `key`: a topic id, NO_TOPIC or a channel value."""

    key: str
    label: str
    contacts: int = 0
    inbound: int = 0
    repeat: int = 0
    complaints: int = 0
    ended_worse: int = 0
    broken: int = 0
    rank: int | None = None  # None: too few inbound contacts to rank

    def add(self, counts: dict) -> None:
        for name in ADDITIVE:
            setattr(self, name, getattr(self, name) + (counts.get(name) or 0))

    @property
    def repeat_rate(self) -> Decimal | None:
        return percent(self.repeat, self.inbound)

    @property
    def ended_worse_share(self) -> Decimal | None:
        return percent(self.ended_worse, self.contacts)

    @property
    def rankable(self) -> bool:
        return self.inbound >= MIN_INBOUND_TO_RANK


def ranked(rows: Iterable[Row]) -> list[Row]:
    """The ranking rule: topics (or channels) with at least MIN_INBOUND_TO_RANK inbound contacts first, by
    repeat-contact rate, then complaints, then the share that ended worse (each highest first), then by name;
    the others after them, unranked, by name."""
    rows = list(rows)
    to_rank = sorted(
        (row for row in rows if row.rankable),
        key=lambda r: (-(r.repeat_rate or 0), -r.complaints, -(r.ended_worse_share or 0), r.label.lower()),
    )
    for position, row in enumerate(to_rank, start=1):
        row.rank = position
    return to_rank + sorted((row for row in rows if not row.rankable), key=lambda r: r.label.lower())


def _topic_key(topic_id: int | None) -> str:
    return NO_TOPIC if topic_id is None else str(topic_id)


def _summary_rows(weeks: list[IsoWeek], teams: list[int] | None) -> tuple[list[tuple[date, list]], bool]:
    """([(week's Monday, counts)], whether some row was counted with another repeat window)."""
    rows = TopicWeeklySummary.objects.filter(week__in=[week.monday for week in weeks])
    if teams is not None:
        rows = rows.filter(of_teams(teams))
    window = settings.REPEAT_CONTACT_WINDOW_DAYS
    found, stale = [], False
    for monday, counts, days, rule in rows.values_list("week", "counts", "repeat_window_days", "repeat_rule"):
        stale |= days != window or rule != REPEAT_RULE
        found.append((monday, counts))
    return found, stale


def broken_promises(*, weeks: list[IsoWeek], teams: list[int] | None, now: datetime) -> QuerySet:
    """The promises counted as broken over `weeks`: made by a person in a contact that is not deleted, due in
    the weeks, still open after their due time as of `now` (PromiseIs.broken), of `teams` (None: all)."""
    promises = Promise.objects.filter(
        PromiseIs.made_by_person(),
        PromiseIs.broken(now),
        due_at__gte=min(weeks).start,
        due_at__lt=max(weeks).end,
        moment__deleted_at__isnull=True,
    )
    if teams is not None:
        promises = promises.filter(of_teams(teams))
    return promises


def _plus(sums: dict, key, values: list[int]) -> None:
    """sums[key] += values, element by element (a new list: `values` is shared between three sums)."""
    found = sums.get(key)
    sums[key] = values if found is None else list(map(operator.add, found, values))


@dataclass
class Chafes:
    weeks: list[IsoWeek]
    topics: list[Row]
    channels: list[Row]
    trend_weeks: list[IsoWeek] = field(default_factory=list)
    trend: dict[str, list[Row]] = field(default_factory=dict)  # topic key → a Row per trend week
    stale: bool = False

    @property
    def first(self) -> IsoWeek:
        return self.weeks[0]

    @property
    def last(self) -> IsoWeek:
        return self.weeks[-1]


def period_weeks(last: IsoWeek, count: int) -> list[IsoWeek]:
    weeks = [last]
    while len(weeks) < count and weeks[0].previous() < weeks[0]:
        weeks.insert(0, weeks[0].previous())
    return weeks


@replica_reads()
def chafes(*, last: IsoWeek, weeks: int, teams: list[int] | None, now: datetime, trend: bool = True) -> Chafes:
    """The figures of the page: per topic and per channel over the `weeks` weeks up to `last`, ranked, and with
    `trend` each topic's figures per week over TREND_WEEKS. Four queries whatever the number of contacts:
    topics, summary rows, broken promises (grouped by week, topic and channel)."""
    period = period_weeks(last, weeks)
    span = period_weeks(last, TREND_WEEKS) if trend else period
    in_period = {week.monday for week in period}
    names = {str(pk): name for pk, name in Topic.objects.values_list("pk", "name")}
    topics: dict[str, Row] = {}
    channels: dict[str, Row] = {}
    by_week: dict[str, dict[date, Row]] = defaultdict(dict)

    def topic_row(key: str) -> Row:
        if key not in topics:
            topics[key] = Row(key, str(NO_TOPIC_LABEL) if key == NO_TOPIC else names.get(key, key))
        return topics[key]

    def channel_row(value: str) -> Row:
        if value not in channels:
            labels = dict(ContactMoment.Channel.choices)
            channels[value] = Row(value, str(labels.get(value, value)))
        return channels[value]

    def week_row(key: str, monday: date) -> Row:
        found = by_week[key].get(monday)
        if found is None:
            found = by_week[key][monday] = Row(key, "")
        return found

    # The summary rows' cells (a few thousand for all teams over the trend's weeks) are summed as plain
    # lists first and made into Rows once per topic, channel and week: adding each cell to three Rows,
    # field by field, was most of the page's time (issue 11).
    week_sums: dict[tuple[str, date], list[int]] = {}
    topic_sums: dict[str, list[int]] = {}
    channel_sums: dict[str, list[int]] = {}
    rows, stale = _summary_rows(span, teams)
    for monday, counts in rows:
        counted = monday in in_period
        for cell in counts:
            key = _topic_key(cell["topic"])
            values = [cell.get(name) or 0 for name in ADDITIVE]
            _plus(week_sums, (key, monday), values)
            if counted:
                _plus(topic_sums, key, values)
                _plus(channel_sums, cell["channel"], values)
    for (key, monday), values in week_sums.items():
        week_row(key, monday).add(dict(zip(ADDITIVE, values, strict=True)))
    for key, values in topic_sums.items():
        topic_row(key).add(dict(zip(ADDITIVE, values, strict=True)))
    for value, values in channel_sums.items():
        channel_row(value).add(dict(zip(ADDITIVE, values, strict=True)))
    broken = (
        broken_promises(weeks=span, teams=teams, now=now)
        .values("due_at__date", "moment__topic_id", "moment__channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # due_at__date is in the desk's time zone (USE_TZ), so its week is the local ISO week
    for row in broken:
        monday = IsoWeek.containing(row["due_at__date"]).monday
        key = _topic_key(row["moment__topic_id"])
        week_row(key, monday).broken += row["n"]
        if monday in in_period:
            topic_row(key).broken += row["n"]
            channel_row(row["moment__channel"]).broken += row["n"]
    result = Chafes(period, ranked(topics.values()), ranked(channels.values()), stale=stale)
    if trend:
        result.trend_weeks = span
        result.trend = {
            row.key: [by_week[row.key].get(week.monday) or Row(row.key, "") for week in span] for row in result.topics
        }
    return result


# The drill-down ------------------------------------------------------------------------------------------------


def chafe_contacts(
    *,
    weeks: list[IsoWeek],
    teams: list[int] | None,
    now: datetime,
    figure: str,
    topic: str | None = None,
    channel: str | None = None,
) -> QuerySet:
    """The contacts behind one number of the page (newest first), only of `teams` (None: all)."""
    if figure == "broken":
        promises = broken_promises(weeks=weeks, teams=teams, now=now)
        # the few broken promises first (the partial index of open ones by due time), then their contacts
        contacts = ContactMoment.objects.alive().filter(pk__in=promises.values("moment_id"))
    else:
        contacts = ContactMoment.objects.alive().in_period(min(weeks).start, max(weeks).end)
        if teams is not None:
            contacts = contacts.filter(of_teams(set(teams)))
        contacts = contacts.filter(
            {
                "contacts": Q(),
                "inbound": Q(direction=ContactMoment.Direction.INBOUND),
                "repeat": Q(direction=ContactMoment.Direction.INBOUND, is_repeat=True),
                "complaints": Q(is_complaint=True),
                "ended_worse": ended_worse(),
            }[figure]
        )
    if topic == NO_TOPIC:
        contacts = contacts.filter(topic__isnull=True)
    elif topic is not None:
        contacts = contacts.filter(topic_id=int(topic))
    if channel is not None:
        contacts = contacts.filter(channel=channel)
    return contacts.select_related("customer", "topic", "team", "logged_by").order_by("-occurred_at", "-pk")


@replica_reads()
def chafe_contacts_page(*, page: int, size: int, **criteria) -> tuple[list[ContactMoment], bool]:
    """Page `page` (from 1) of `chafe_contacts(**criteria)`, `size` a page, and whether a next page follows."""
    found = list(chafe_contacts(**criteria)[(page - 1) * size : page * size + 1])  # one more: is there a next?
    return found[:size], len(found) > size


def chafed_most(*, week: IsoWeek, now: datetime, count: int = 3) -> list[Row]:
    """The Monday e-mail's "three topics that chafed most": the first `count` ranked topics of `week`, all
    teams (a topic with too few inbound contacts to rank is left out)."""
    return [row for row in chafes(last=week, weeks=1, teams=None, now=now, trend=False).topics if row.rank][:count]

"""The weekly summary of contacts: per ISO week, team and person, what the report counts of them.

Contacts are 5M rows' worth at full size; the report, its downloads and the
Monday e-mail read a few hundred summary rows instead. A summary row is
never adjusted by a delta: every change recomputes its buckets exactly from
the raw rows (contacts that are not deleted, with their stored repeat flag),
in the transaction that made the change, with the bucket's row locked so two
people logging at once cannot both write a count that misses the other. The
rebuild command recomputes every week the same way, so upkeep and rebuild
agree by construction; a test holds them to it on the hand-counted week.

Check-ins and promises are not summarised: "overdue" and "broken" depend on
now, and their statuses change in many places; they stay indexed queries
over one or two weeks (and the trend's twelve, for the six series its charts draw).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from contactcare.prepared import PreparedRead
from contacts.models import ContactMoment
from contacts.repeats import REPEAT_RULE, repeats_refresh
from followups.models import Promise

from .models import WeeklySummary
from .weeks import IsoWeek

# (week's Monday, team id or None for contacts logged without a team, person id)
Key = tuple[date, int | None, int]


def contact_counts() -> dict:
    """The additive raw figures of contacts, as aggregates over contact rows (reads the stored repeat flag)."""
    counts = {
        "contacts": Count("pk"),
        "inbound": Count("pk", filter=Q(direction="in")),
        "outbound": Count("pk", filter=Q(direction="out")),
        "imported": Count("pk", filter=Q(imported_by_import__isnull=False)),
        "complaints": Count("pk", filter=Q(is_complaint=True)),
        "compliments": Count("pk", filter=Q(is_compliment=True)),
        "repeat": Count("pk", filter=Q(direction="in", is_repeat=True)),
        "helped_asked": Count("pk", filter=Q(fully_helped__isnull=False)),
        "helped_yes": Count("pk", filter=Q(fully_helped=True)),
        "sentiment_start_sum": Sum("sentiment_start"),
        "sentiment_end_sum": Sum("sentiment_end"),
        "ended_better": Count("pk", filter=Q(sentiment_end__gt=F("sentiment_start"))),
    }
    for channel in ContactMoment.Channel.values:
        for direction in ContactMoment.Direction.values:
            counts[f"ch_{channel}_{direction}"] = Count("pk", filter=Q(channel=channel, direction=direction))
    for level in ContactMoment.Sentiment.values:
        counts[f"sentiment_start_{level}"] = Count("pk", filter=Q(sentiment_start=level))
        counts[f"sentiment_end_{level}"] = Count("pk", filter=Q(sentiment_end=level))
    return counts


def week_of(when: datetime) -> date:
    """The Monday (local) of the ISO week `when` falls in."""
    return IsoWeek.containing(timezone.localdate(when)).monday


def _week_span(monday: date) -> tuple[datetime, datetime]:
    week = IsoWeek.containing(monday)
    return week.start, week.end


def _counted(contacts: QuerySet) -> dict[tuple[int | None, int], dict]:
    """{(team id or None, person): raw counts} of `contacts` (one week's), in one grouped query."""
    rows = contacts.values("team_id", "logged_by_id").annotate(**contact_counts()).order_by()
    return {
        (row.pop("team_id"), row.pop("logged_by_id")): {name: value or 0 for name, value in row.items()} for row in rows
    }


def _one_bucket_build(*, start: datetime, end: datetime, team_id: int, person_id: int) -> QuerySet:
    names = list(contact_counts())
    return (
        ContactMoment.objects.alive()
        .filter(occurred_at__gte=start, occurred_at__lt=end, team_id=team_id, logged_by_id=person_id)
        .values("team_id", "logged_by_id")
        .annotate(**contact_counts())
        .order_by()
        .values_list(*names)
    )


# Logging a contact recounts one bucket (its week, team and person): the commonest write there is. Its query has
# some forty aggregates, which cost the ORM more to build than PostgreSQL to run: built once per process.
_ONE_BUCKET = PreparedRead(_one_bucket_build)


def _counted_one(monday: date, team_id: int, person_id: int) -> dict[tuple[int | None, int], dict]:
    """`_counted` of one bucket with a team (the same counts, for the same contacts)."""
    start, end = _week_span(monday)
    found = _ONE_BUCKET.rows(start=start, end=end, team_id=team_id, person_id=person_id)
    if not found:
        return {}
    return {(team_id, person_id): {name: value or 0 for name, value in zip(contact_counts(), found[0], strict=True)}}


def _pair_order(pair: tuple[int | None, int]) -> tuple:
    """One order for (team or None, person) pairs, no team first: the order rows are created and locked in."""
    team, person = pair
    return (team is not None, team or 0, person)


def of_teams(teams: Iterable[int | None]) -> Q:
    """Rows of `teams` (ids; None: contacts without a team), on any model with a `team_id` column."""
    teams = set(teams)
    real = {team for team in teams if team is not None}
    condition = Q(team_id__in=real) if real else Q(pk__in=[])
    if None in teams:
        condition |= Q(team_id__isnull=True)
    return condition


def _bucket_filter(pairs: Iterable[tuple[int, int]]) -> Q:
    """The week's contacts that hold the buckets of `pairs`: those people's contacts in those teams (or without a
    team), found through the person-and-week index — a few hundred rows for a busy colleague, where their
    team's week is thousands. Other (team, person) combinations it also reads are counted and left unused."""
    return Q(logged_by_id__in={person for _team, person in pairs}) & of_teams(team for team, _person in pairs)


def _locked(monday: date, pairs: set[tuple[int | None, int]]) -> list[WeeklySummary]:
    """The summary rows of `pairs` in one week, created when new and locked in one order (no deadlocks).

    A parallel change of the same bucket waits here, and counts after this transaction committed. A new row
    is counted with the repeat rule and window as they are now.
    """
    window = settings.REPEAT_CONTACT_WINDOW_DAYS
    WeeklySummary.objects.bulk_create(
        [
            WeeklySummary(
                week=monday,
                team_id=team,
                person_id=person,
                counts={},
                repeat_window_days=window,
                repeat_rule=REPEAT_RULE,
            )
            for team, person in sorted(pairs, key=_pair_order)
        ],
        ignore_conflicts=True,
    )
    rows = (
        WeeklySummary.objects.select_for_update()
        .filter(of_teams(team for team, _ in pairs), week=monday, person_id__in={p for _, p in pairs})
        .order_by(F("team_id").asc(nulls_first=True), "person_id")
    )
    return [row for row in rows if (row.team_id, row.person_id) in pairs]


def _store(rows: list[WeeklySummary], counted: dict[tuple[int | None, int], dict], *, rule_now: bool) -> None:
    """Write the counts; with `rule_now` (the flags were just refreshed: a rebuild) mark the rows as counted
    with the repeat rule and window as they are now. Upkeep leaves the mark: a row counted with another rule
    or window stays stale until the rebuild, as the flags of its other contacts are."""
    for row in rows:
        row.counts = counted.get((row.team_id, row.person_id), {})
        if rule_now:
            row.repeat_window_days = settings.REPEAT_CONTACT_WINDOW_DAYS
            row.repeat_rule = REPEAT_RULE
    WeeklySummary.objects.bulk_update(rows, ["counts", "repeat_window_days", "repeat_rule"])


def buckets_recompute(keys: Iterable[Key]) -> None:
    """Recompute the summary rows of `keys` exactly from the contacts (inside the caller's transaction)."""
    by_week: dict[date, set[tuple[int | None, int]]] = defaultdict(set)
    for monday, team, person in keys:
        by_week[monday].add((team, person))
    with transaction.atomic():
        for monday, pairs in sorted(by_week.items()):
            rows = _locked(monday, pairs)  # before counting
            (team, person), *more = pairs
            if not more and team is not None:
                counted = _counted_one(monday, team, person)
            else:
                start, end = _week_span(monday)
                contacts = ContactMoment.objects.alive().filter(occurred_at__gte=start, occurred_at__lt=end)
                counted = _counted(contacts.filter(_bucket_filter(pairs)))
            _store(rows, counted, rule_now=False)


def on_contacts_counted_changed(sender, buckets, **kwargs) -> None:
    """contacts.signals.contacts_counted_changed: recompute the buckets a change touched."""
    buckets_recompute({(week_of(when), team, person) for when, team, person in buckets})


def summaries_rebuild_week(week: IsoWeek) -> int:
    """Recompute one week from the raw rows: its repeat flags, then every bucket it has or had.

    Returns how many buckets have contacts. Exact for what was committed when it ran: a change committed
    meanwhile to a bucket that was new then is counted by that change's own upkeep.
    """
    with transaction.atomic():
        stored = list(
            WeeklySummary.objects.select_for_update().filter(week=week.monday).values_list("team_id", "person_id")
        )
        contacts = ContactMoment.objects.filter(occurred_at__gte=week.start, occurred_at__lt=week.end)
        repeats_refresh(contacts)
        counted = _counted(contacts.alive())
        pairs = set(stored) | set(counted)
        if pairs:
            _store(_locked(week.monday, pairs), counted, rule_now=True)
        return len(counted)


def promises_made_at_fill() -> int:
    """Give promises written around the services (made_at empty) their contact's time."""
    return Promise.objects.filter(made_at__isnull=True).update(
        made_at=Subquery(ContactMoment.objects.filter(pk=OuterRef("moment_id")).values("occurred_at")[:1])
    )


def weeks_with_contacts() -> list[IsoWeek]:
    """Every ISO week from the first contact's to the last one's (and the weeks that have summary rows)."""
    span = ContactMoment.objects.order_by().aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    first_row = WeeklySummary.objects.order_by("week").values_list("week", flat=True).first()
    last_row = WeeklySummary.objects.order_by("-week").values_list("week", flat=True).first()
    starts = [d for d in (span["first"] and week_of(span["first"]), first_row) if d]
    ends = [d for d in (span["last"] and week_of(span["last"]), last_row) if d]
    if not starts:
        return []
    monday, last = min(starts), max(ends)
    weeks = []
    while monday <= last:
        weeks.append(IsoWeek.containing(monday))
        monday += timedelta(weeks=1)
    return weeks

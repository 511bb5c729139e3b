"""What the coaching pages read: the cards of a team, one person's card, the items behind a figure, and the
week's contacts worth a thank-you.

A card's figures are the weekly report's own: the raw counts by person of
each week, limited to the team, as the report's per-person table has them
(`reports.closing.person_counts`): a closed week's as it was closed on
Monday, like its report and e-mail; a week nobody closed counted from the
rows (`reports.selectors.raw_counts`: contacts from the weekly summaries,
check-ins by assignee and promises by owner). So the card and the report
cannot disagree, and twelve closed weeks are one query, where counting them
from the rows took 200 ms for the largest team (issue 11). The four weeks
are summed from the same rows: the page costs the same handful of queries
whatever the number of people. The items behind a figure are listed as they
are now.
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import BooleanField, Count, ExpressionWrapper, QuerySet
from django.utils.translation import gettext_lazy as _

from contactcare.db_router import replica_reads
from contacts.models import ContactMoment, Team
from followups.models import CheckIn, Promise, PromiseIs
from reports.closing import person_counts
from reports.weeks import IsoWeek

from .models import SeenIs, ThankYouNote

PERIODS = (4, 12)  # weeks, up to the last complete one
PAGE_SIZE = 25


@dataclass(frozen=True)
class CardFigure:
    key: str
    label: str
    definition: str
    unit: str  # "%" a share, "lift" a difference on the 1–5 scale, "" a count
    items: str  # what its drill-down lists: "contacts", "promises" or "checkins"
    numerator: str  # raw counts (reports.summaries.contact_counts, reports.selectors)
    denominator: str = ""


CARD_FIGURES = [
    CardFigure(
        "sentiment_lift",
        _("Sentiment lift"),
        _(
            "The average sentiment at the end minus the average at the start (scale 1 to 5) of the contacts the "
            "person logged for the team in the period."
        ),
        "lift",
        "contacts",
        "sentiment_end_sum",
        "contacts",
    ),
    CardFigure(
        "helped_share",
        _("Fully helped"),
        _("Of the person's contacts where “fully helped?” was answered, the share that answered yes."),
        "%",
        "helped",
        "helped_yes",
        "helped_asked",
    ),
    CardFigure(
        "promises_on_time_share",
        _("Promises kept on time"),
        _(
            "Of the promises the person owns whose due time fell in the period (as the weekly report counts "
            "“Promises due”), the share kept at or before their due time."
        ),
        "%",
        "promises",
        "kept_on_time",
        "promises_due",
    ),
    CardFigure(
        "checkins_on_time_share",
        _("Check-ins on time"),
        _(
            "Of the check-ins assigned to the person whose due date fell in the period (superseded ones left "
            "out, as in the weekly report's “Check-ins due”), the share done on or before their due date."
        ),
        "%",
        "checkins",
        "checkins_on_time",
        "checkins_due",
    ),
    CardFigure(
        "compliments",
        _("Compliments"),
        _("Contacts the person logged for the team in the period that are marked as a compliment."),
        "",
        "compliments",
        "compliments",
    ),
]
BY_KEY = {figure.key: figure for figure in CARD_FIGURES}


def exact(figure: CardFigure, raw: dict) -> Fraction | int | None:
    """The figure's exact value from raw counts (None when there is nothing to divide by)."""
    if figure.key == "sentiment_lift":
        contacts = raw.get("contacts", 0)
        if not contacts:
            return None
        return Fraction(raw.get("sentiment_end_sum", 0) - raw.get("sentiment_start_sum", 0), contacts)
    if not figure.denominator:
        return raw.get(figure.numerator, 0)
    below = raw.get(figure.denominator, 0)
    if not below:
        return None
    return Fraction(raw.get(figure.numerator, 0) * 100, below)


def shown(value: Fraction | int | None, unit: str) -> Decimal | int | None:
    """Rounded half up as people expect (3.125 → 3.13): shares to 0.1, the lift to 0.01."""
    if value is None or unit == "":
        return value
    places = Decimal("0.01") if unit == "lift" else Decimal("0.1")
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(places, rounding=ROUND_HALF_UP)


def median(values: list) -> Fraction | int | None:
    """The median over the people who have the figure (the middle one, or halfway between the two middle)."""
    present = sorted(Fraction(v) for v in values if v is not None)
    if not present:
        return None
    return statistics.median(present)


@dataclass
class FigureValue:
    figure: CardFigure
    value: Decimal | int | None
    median: Decimal | int | None
    base: int | None  # what the share or average is of (contacts asked, promises due …); None for a count


@dataclass
class Card:
    person: object
    periods: dict = field(default_factory=dict)  # weeks -> [FigureValue]

    @property
    def rows(self) -> list[tuple[CardFigure, list[tuple[int, FigureValue]]]]:
        """(figure, [(weeks, its value there) for each period]) in CARD_FIGURES' order: the card's table."""
        return [(f, [(n, self.periods[n][i]) for n in PERIODS]) for i, f in enumerate(CARD_FIGURES)]


@dataclass
class TeamCards:
    team: Team
    weeks: dict  # weeks -> (first IsoWeek, last IsoWeek)
    cards: list  # [Card], alphabetical


def period_weeks(now: datetime, weeks: int) -> list[IsoWeek]:
    """The `weeks` ISO weeks up to the last complete one (local time), oldest first."""
    last = IsoWeek.last_complete(now)
    return sorted({last.previous(n) for n in range(weeks)})


def team_people(team: Team) -> QuerySet:
    """The people a team's cards are about: its active members, alphabetical (never by a figure)."""
    return team.members.filter(is_active=True).order_by("first_name", "last_name", "username")


def _base(figure: CardFigure, raw: dict) -> int | None:
    return raw.get(figure.denominator, 0) if figure.denominator else None


@replica_reads()
def team_cards(*, team: Team, now: datetime, only=None) -> TeamCards:
    """One card per person of `team` (or only `only`'s), each figure beside the team's median, for the last
    4 and 12 complete weeks. Queries: the people, and `person_counts` for the twelve weeks: constant."""
    people = list(team_people(team))
    spans = {n: period_weeks(now, n) for n in PERIODS}
    longest = spans[max(PERIODS)]
    counts = person_counts(weeks=longest, team_id=team.pk, now=now)
    raw_of: dict[int, dict[int, dict]] = {n: {} for n in PERIODS}
    periods_of: dict[str, list[int]] = {}  # a week's label -> the periods it is in (the last 4 are in both)
    for n, weeks in spans.items():
        for week in weeks:
            periods_of.setdefault(week.label, []).append(n)
    for (label, person_id), raw in counts.items():
        if person_id is None or label not in periods_of:
            continue
        counted = [(name, value or 0) for name, value in raw.items() if not isinstance(value, list)]
        for n in periods_of[label]:
            bucket = raw_of[n].setdefault(person_id, {})
            for name, value in counted:
                bucket[name] = bucket.get(name, 0) + value
    medians = {
        n: {f.key: median([exact(f, raw_of[n].get(p.pk, {})) for p in people]) for f in CARD_FIGURES} for n in PERIODS
    }
    cards = []
    for person in people:
        if only is not None and person.pk != only.pk:
            continue
        card = Card(person=person)
        for n in PERIODS:
            raw = raw_of[n].get(person.pk, {})
            card.periods[n] = [
                FigureValue(f, shown(exact(f, raw), f.unit), shown(medians[n][f.key], f.unit), _base(f, raw))
                for f in CARD_FIGURES
            ]
        cards.append(card)
    return TeamCards(team=team, weeks={n: (w[0], w[-1]) for n, w in spans.items()}, cards=cards)


def _span(weeks: list[IsoWeek]) -> tuple[datetime, datetime]:
    return weeks[0].start, weeks[-1].end


def card_items(*, team: Team, person, figure: CardFigure, weeks: int, now: datetime) -> QuerySet:
    """The contacts, promises or check-ins behind one figure of a card, newest first (the conditions of
    reports.selectors.raw_counts, for one person of one team)."""
    span = period_weeks(now, weeks)
    start, end = _span(span)
    if figure.items in ("contacts", "helped", "compliments"):
        contacts = ContactMoment.objects.alive().for_display().select_related("customer")
        contacts = contacts.filter(team=team, logged_by=person, occurred_at__gte=start, occurred_at__lt=end)
        if figure.items == "helped":
            contacts = contacts.filter(fully_helped__isnull=False)
        elif figure.items == "compliments":
            contacts = contacts.filter(SeenIs.compliment())
        return contacts.order_by("-occurred_at", "-pk")
    if figure.items == "promises":
        return (
            Promise.objects.for_display()
            .filter(PromiseIs.made_by_person(), team=team, owner=person, due_at__gte=start, due_at__lt=end)
            .filter(moment__deleted_at__isnull=True)
            .order_by("-due_at", "-pk")
        )
    first, last = span[0].days[0], span[-1].days[1]
    return (
        CheckIn.objects.for_display()
        .filter(team=team, assignee=person, due_date__gte=first, due_date__lte=last)
        .exclude(status=CheckIn.Status.SUPERSEDED)
        .filter(origin__deleted_at__isnull=True)
        .order_by("-due_date", "-pk")
    )


# --- Say you see it -------------------------------------------------------------


@dataclass
class Thanked:
    person: object
    compliments: int
    turned_around: int
    note: ThankYouNote | None  # the reader's note to the person for the week, once sent


def worth_thanks(*, team: Team, person_ids, week: IsoWeek) -> QuerySet:
    """The week's contacts of the team, logged by these people, that were a compliment or turned around."""
    return (
        ContactMoment.objects.alive()
        .filter(SeenIs.worth_thanks(), team=team, logged_by__in=person_ids)
        .filter(occurred_at__gte=week.start, occurred_at__lt=week.end)
    )


@replica_reads()
def say_you_see_it(*, team: Team, week: IsoWeek, reader) -> list[Thanked]:
    """Per person of the team (alphabetical; counted, never ranked): the week's compliments and turned-around
    contacts, and the note the reader sent them for it. Three queries, whatever the team's size."""
    people = list(team_people(team))
    counts = {
        row["logged_by"]: row
        for row in worth_thanks(team=team, person_ids=[p.pk for p in people], week=week)
        .values("logged_by")
        .annotate(
            compliments=Count("pk", filter=SeenIs.compliment()), turned=Count("pk", filter=SeenIs.turned_around())
        )
        .order_by()
    }
    notes = {
        note.recipient_id: note
        for note in ThankYouNote.objects.filter(sender=reader, week=week.monday, recipient__in=[p.pk for p in people])
    }
    return [
        Thanked(
            person=p,
            compliments=counts.get(p.pk, {}).get("compliments", 0),
            turned_around=counts.get(p.pk, {}).get("turned", 0),
            note=notes.get(p.pk),
        )
        for p in people
    ]


def worth_thanks_for_display(*, team: Team, person_ids, week: IsoWeek) -> QuerySet:
    """The contacts behind the page's counts, person by person (alphabetical), oldest first: paged."""
    return (
        worth_thanks(team=team, person_ids=person_ids, week=week)
        .annotate(turned_around=ExpressionWrapper(SeenIs.turned_around(), output_field=BooleanField()))
        .select_related("customer", "logged_by", "topic")
        .order_by("logged_by__first_name", "logged_by__last_name", "logged_by__username", "occurred_at", "pk")
    )


def unseen_notes(*, user) -> QuerySet:
    """The thank-you notes `user` has not dismissed yet, newest first (My day's card)."""
    return ThankYouNote.objects.to(user).unseen().select_related("sender").order_by("-created_at", "-pk")[:5]


def may_see_team(*, user, team: Team) -> bool:
    return user.has_perm("followups.view_all_teams") or team.lead_id == user.pk


def teams_of_member(*, user) -> QuerySet:
    return Team.objects.filter(members=user).order_by("name")

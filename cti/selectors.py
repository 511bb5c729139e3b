"""What the caller log reads: whose calls a person may see, one day's calls, their counts."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from contacts.models import Customer, Team

from .models import Call

ALL_TEAMS = "followups.view_all_teams"  # the same rule as check-ins and promises (followups.access)


def _teams_of(user) -> QuerySet[Team]:
    return Team.objects.filter(Q(members=user) | Q(lead=user)).values("pk")


def calls_for(*, user) -> QuerySet[Call]:
    """The calls `user` may see: their teams' (members and lead), all for managers; none for anybody else."""
    if not user.is_authenticated:
        return Call.objects.none()
    if user.has_perm(ALL_TEAMS):
        return Call.objects.all()
    return Call.objects.filter(team__in=_teams_of(user))


def teams_for(*, user) -> QuerySet[Team]:
    """The teams whose calls `user` may see (the caller log's team filter)."""
    if user.has_perm(ALL_TEAMS):
        return Team.objects.all()
    return Team.objects.filter(Q(members=user) | Q(lead=user)).distinct()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local day as aware UTC bounds [start, end)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def caller_log(*, user, day: date, team: Team | None = None) -> QuerySet[Call]:
    """One local day's calls that `user` may see (of one team when given), newest first, ready for rows."""
    start, end = day_bounds(day)
    calls = calls_for(user=user).started_between(start, end)
    if team is not None:
        calls = calls.filter(team=team)
    return calls.select_related("team", "user", "customer", "moment", "callback").order_by("-started_at", "-pk")


_TALK = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())
_FIGURES = {
    "total": Count("pk"),
    "answered": Count("pk", filter=Q(answered_at__isnull=False)),
    "missed": Count("pk", filter=Q(state=Call.State.MISSED)),
    "talk": Sum(_TALK, filter=Q(answered_at__isnull=False, ended_at__isnull=False)),
}


@dataclass(frozen=True)
class Figures:
    label: str
    total: int
    answered: int
    missed: int
    talk: timedelta | None


def caller_log_figures(calls: QuerySet[Call]) -> dict:
    """Counts at the top of the caller log: in all, per team, per person (three queries, whatever the day)."""
    calls = calls.order_by()
    total = calls.aggregate(**_FIGURES)
    per_team = calls.values("team_id", "team__name").annotate(**_FIGURES).order_by("team__name")
    per_person = (
        calls.values("user_id", "user__username", "user__first_name", "user__last_name")
        .annotate(**_FIGURES)
        .order_by("user__first_name", "user__last_name", "user_id")
    )

    def person(row) -> str:
        return " ".join(filter(None, [row["user__first_name"], row["user__last_name"]])) or row["user__username"]

    return {
        "total": Figures("", total["total"], total["answered"], total["missed"], total["talk"]),
        "teams": [Figures(r["team__name"], r["total"], r["answered"], r["missed"], r["talk"]) for r in per_team],
        "people": [
            Figures(person(r) if r["user_id"] else "", r["total"], r["answered"], r["missed"], r["talk"])
            for r in per_person
        ],
    }


def customers_by_number(calls: list[Call]) -> dict[str, list[Customer]]:
    """For calls we could not tie to one customer: everybody with that number (one query for a page)."""
    numbers = {c.caller_number for c in calls if c.customer_id is None and c.caller_number}
    found: dict[str, list[Customer]] = {n: [] for n in numbers}
    if numbers:
        for customer in Customer.objects.filter(phone__in=numbers, merged_into__isnull=True).order_by("full_name"):
            found[customer.phone].append(customer)
    return found

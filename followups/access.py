"""Who may act on which check-in, promise or logged contact: one rule each, used by every view (and the API).

Check-ins and promises: their assignee or owner, the members of their team,
that team's lead, and managers (`followups.view_all_teams`). Handovers: the
colleague or the team's members they were handed to, the receiving team's
lead, and managers. A logged
contact: corrected by its author the local day it was logged, and by the lead
of its team and managers any time; deleted by that lead and managers only.
Everyone else is told it does not exist (404): a stranger's item is not
theirs to know about.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts.models import ContactMoment, Team

from .models import CheckIn, Handover, Promise

ALL_TEAMS = "followups.view_all_teams"


def _teams_of(user) -> QuerySet[Team]:
    return Team.objects.filter(Q(members=user) | Q(lead=user)).values("pk")


def checkins_for(*, user) -> QuerySet[CheckIn]:
    """The check-ins `user` may act on."""
    if not user.is_authenticated:
        return CheckIn.objects.none()
    if user.has_perm(ALL_TEAMS):
        return CheckIn.objects.all()
    return CheckIn.objects.filter(Q(assignee=user) | Q(team__in=_teams_of(user)))


def promises_for(*, user) -> QuerySet[Promise]:
    """The promises `user` may act on."""
    if not user.is_authenticated:
        return Promise.objects.none()
    if user.has_perm(ALL_TEAMS):
        return Promise.objects.all()
    return Promise.objects.filter(Q(owner=user) | Q(team__in=_teams_of(user)))


def handovers_for(*, user) -> QuerySet[Handover]:
    """The handovers `user` may accept or pass on (issue 13): handed to them, or to a team they are a member of,
    or to a team they lead or to one of its members (their lead); managers any. Everyone else: 404."""
    if not user.is_authenticated:
        return Handover.objects.none()
    if user.has_perm(ALL_TEAMS):
        return Handover.objects.all()
    member_of = Team.objects.filter(members=user).values("pk")
    return Handover.objects.filter(Q(to_user=user) | Q(to_team__in=member_of) | Q(team__lead=user))


@dataclass(frozen=True)
class ContactRights:
    correct: bool = False
    delete: bool = False


def contact_rights(
    *, user, moment: ContactMoment, today: date | None = None, deleted_too: bool = False
) -> ContactRights:
    """What `user` may do to a logged contact: the timeline's links and the views' 404 both ask this.

    No query of its own when `moment.team` is selected (the timeline's rows
    are) and the user's permissions are cached (after the first row): safe in a loop.
    A deleted contact allows nothing, unless `deleted_too` (who could have deleted it may hear it already was).
    """
    if not user.is_authenticated or (moment.deleted_at is not None and not deleted_too):
        return ContactRights()
    if user.has_perm(ALL_TEAMS) or (moment.team_id is not None and moment.team.lead_id == user.pk):
        return ContactRights(correct=True, delete=True)
    today = today or timezone.localdate()
    own_today = moment.logged_by_id == user.pk and timezone.localdate(moment.created_at) == today
    return ContactRights(correct=own_today)

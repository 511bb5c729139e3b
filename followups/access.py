"""Who may act on which check-in or promise: one rule, used by every view (and the API).

Allowed: its assignee or owner, the members of its team, that team's lead,
and managers (`followups.view_all_teams`). Everyone else is told it does not
exist (404): a stranger's item is not theirs to know about.
"""

from django.db.models import Q, QuerySet

from contacts.models import Team

from .models import CheckIn, Promise

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

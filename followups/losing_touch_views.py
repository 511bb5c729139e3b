"""Losing touch (issue 14): the team leads' list, and planning a check-in from it. Thin: the rules are in
followups.losing_touch."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactcare.formats import day
from contactcare.responses import safe_next
from contactcare.templatetags.contactcare import display_name
from contacts.models import Customer

from . import losing_touch, selectors
from .access import ALL_TEAMS


def _scope(user) -> list[int] | None:
    """The teams whose customers `user` sees on the list: every team (None) for managers, else those they lead."""
    if user.has_perm(ALL_TEAMS):
        return None
    return list(selectors.teams_for(user=user).values_list("pk", flat=True))


def _team_param(request, teams):
    """The team filter: empty for all the user's teams; not a number: 400; not one of theirs: 404."""
    raw = request.GET.get("team", "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise BadRequest(_("This team filter cannot be read; choose the team from the list."))
    return get_object_or_404(teams, pk=int(raw))


@permission_required("followups.view_team_dashboard", raise_exception=True)
def losing_touch_list(request):
    teams = selectors.teams_for(user=request.user)
    team = _team_param(request, teams)
    try:
        after = losing_touch.After.parse(request.GET["after"]) if request.GET.get("after") else None
    except ValueError as error:
        raise BadRequest(_("This page link cannot be read; start again from the first page.")) from error
    scope = [team.pk] if team else _scope(request.user)
    page = losing_touch.losing_touch_page(
        teams=scope, days=losing_touch.losing_touch_days(), now=timezone.now(), after=after
    )
    context = {"page": page, "teams": list(teams), "team": team, "first_page": after is None}
    return render(request, "followups/losing_touch.html", context)


@require_POST
@permission_required("followups.view_team_dashboard", raise_exception=True)
def losing_touch_plan(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    scope = _scope(request.user)
    if not losing_touch.customer_in_teams(customer=customer, teams=scope):
        raise Http404  # another team's customer is not theirs to know about
    back = safe_next(request, reverse("followups:losing-touch"))
    try:
        checkin = losing_touch.losing_touch_checkin_plan(customer=customer, actor=request.user, teams=scope)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
        return redirect(back)
    who = display_name(checkin.assignee) if checkin.assignee else _("the team's queue")
    messages.success(
        request,
        _("A check-in to get back in touch with %(name)s is planned for %(who)s, due %(date)s.")
        % {"name": customer.form_of_address, "who": who, "date": day(checkin.due_date)},
    )
    return redirect(back)

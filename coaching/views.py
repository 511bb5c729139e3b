"""Coaching cards and "Say you see it": parse the request, check who may see what, call a selector or service.

Who sees what: a team's cards, its "Say you see it" list and thanking its
people are for the team's lead and managers (any team); anyone else gets
404 for a team or person that is not theirs to know. Every person sees their
own card, and the items behind it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactcare.forms import add_service_error
from followups.selectors import teams_for
from reports.weeks import IsoWeek

from . import selectors, services
from .forms import CardItemsForm, TeamScopeForm, ThankYouForm
from .models import ThankYouNote

CARDS = "coaching.view_coaching_cards"
OWN_CARD = "coaching.view_own_card"


def _bad_request(request, form):
    return render(request, "coaching/bad_request.html", {"form": form}, status=400)


def _pick(teams: list, team_id: int | None):
    """The team asked for among `teams` (404 when it is not one of them), or the first; None when there are none."""
    if team_id is not None:
        team = next((t for t in teams if t.pk == team_id), None)
        if team is None:
            raise Http404
        return team
    return teams[0] if teams else None


@permission_required(CARDS, raise_exception=True)
def team_cards(request):
    form = TeamScopeForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form)
    teams = list(teams_for(user=request.user))
    team = _pick(teams, form.cleaned_data["team"])
    if team is None:
        raise Http404
    cards = selectors.team_cards(team=team, now=timezone.now())
    return render(
        request, "coaching/cards.html", {"cards": cards, "teams": teams, "card_figures": selectors.CARD_FIGURES}
    )


@permission_required(OWN_CARD, raise_exception=True)
def my_card(request):
    form = TeamScopeForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form)
    teams = list(selectors.teams_of_member(user=request.user))
    team = _pick(teams, form.cleaned_data["team"])
    cards = selectors.team_cards(team=team, now=timezone.now(), only=request.user) if team else None
    context = {"cards": cards, "teams": teams, "card_figures": selectors.CARD_FIGURES}
    return render(request, "coaching/my_card.html", context)


@permission_required(OWN_CARD, raise_exception=True)
def card_items(request, pk):
    form = CardItemsForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form)
    if pk == request.user.pk:
        person = request.user
        team = _pick(list(selectors.teams_of_member(user=request.user)), form.cleaned_data["team"])
    elif request.user.has_perm(CARDS):
        team = _pick(list(teams_for(user=request.user)), form.cleaned_data["team"])
        person = team and selectors.team_people(team).filter(pk=pk).first()
    else:
        raise Http404  # another person's card is not staff's to know about
    if team is None or person is None:
        raise Http404
    figure = selectors.BY_KEY[form.cleaned_data["figure"]]
    weeks = form.cleaned_data["weeks"] or selectors.PERIODS[0]
    now = timezone.now()
    items = selectors.card_items(team=team, person=person, figure=figure, weeks=weeks, now=now)
    span = selectors.period_weeks(now, weeks)
    context = {
        "page": Paginator(items, selectors.PAGE_SIZE).get_page(request.GET.get("page")),
        "person": person,
        "team": team,
        "figure": figure,
        "weeks": weeks,
        "first": span[0],
        "last": span[-1],
        "own": person.pk == request.user.pk,
    }
    return render(request, "coaching/card_items.html", context)


@permission_required(CARDS, raise_exception=True)
def say_you_see_it(request):
    form = TeamScopeForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form)
    teams = list(teams_for(user=request.user))
    team = _pick(teams, form.cleaned_data["team"])
    if team is None:
        raise Http404
    return _say_page(request, team, teams)


def _say_page(request, team, teams, *, bound: tuple | None = None, status: int = 200):
    """The page; `bound` is (person id, form) when a note was refused: shown with the service's error."""
    week = IsoWeek.last_complete(timezone.now())
    people = selectors.say_you_see_it(team=team, week=week, reader=request.user)
    contacts = selectors.worth_thanks_for_display(team=team, person_ids=[row.person.pk for row in people], week=week)
    forms = {row.person.pk: _thank_form(team, row.person) for row in people if row.note is None}
    if bound is not None:
        forms[bound[0]] = bound[1]
    context = {
        "team": team,
        "teams": teams,
        "week": week,
        "people": people,
        "page": Paginator(contacts, selectors.PAGE_SIZE * 2).get_page(request.GET.get("page")),
        "forms": forms,
    }
    return render(request, "coaching/say_you_see_it.html", context, status=status)


def _thank_form(team, person) -> ThankYouForm:
    return ThankYouForm(initial={"team": team.pk, "text": services.default_message(person=person)})


@require_POST
@permission_required("coaching.add_thankyounote", raise_exception=True)
def thank_you_send(request, pk):
    form = ThankYouForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, form)
    teams = list(teams_for(user=request.user))
    team = _pick(teams, form.cleaned_data["team"])
    person = team and selectors.team_people(team).filter(pk=pk).first()
    if team is None or person is None:
        raise Http404
    back = f"{reverse('coaching:say-you-see-it')}?{urlencode({'team': team.pk})}"
    try:
        note, created = services.thank_you_send(
            actor=request.user,
            recipient=person,
            team=team,
            week=IsoWeek.last_complete(timezone.now()),
            text=form.cleaned_data["text"],
        )
    except ValidationError as error:
        add_service_error(form, error)
        for message in form.non_field_errors():  # not about the text: said on top (the row may have no form)
            messages.error(request, message)
        return _say_page(request, team, teams, bound=(person.pk, form), status=400)
    name = person.get_full_name() or person.get_username()
    if created:
        messages.success(request, _("Your thank-you note to %(name)s is sent.") % {"name": name})
    else:
        messages.info(
            request, _("You already thanked %(name)s for this week; nothing was sent twice.") % {"name": name}
        )
    return redirect(f"{back}#person-{note.recipient_id}")


@permission_required("coaching.view_thankyounote", raise_exception=True)
def my_notes(request):
    """My day's card of thank-you notes not yet dismissed (loaded by htmx when My day opens)."""
    notes = list(selectors.unseen_notes(user=request.user))
    return render(request, "coaching/_my_notes.html", {"notes": notes})


@require_POST
@permission_required("coaching.view_thankyounote", raise_exception=True)
def note_seen(request, pk):
    note = get_object_or_404(ThankYouNote, pk=pk, recipient=request.user)
    services.thank_you_seen(note=note, actor=request.user, now=timezone.now())
    if request.htmx:
        return HttpResponse("")  # the card goes
    return redirect("followups:my-day")

"""Where it chafes: the page for managers and team leads, and the contacts behind each of its numbers."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext

from contacts.models import ContactMoment, Topic

from . import chafes
from .forms import ChafeContactsForm, ChafesForm
from .views import _scope
from .weeks import IsoWeek

PAGE_SIZE = 50


def _parsed(request, form_class):
    """(form, scope) with the weekly report's scope rules (404 for another team), or (form, None) when the
    query is not one (the caller answers 400)."""
    form = form_class(request.GET)
    if not form.is_valid():
        return form, None
    return form, _scope(request, week=form.cleaned_data["week"], team_id=form.cleaned_data["team"])


def _bad_request(request, form):
    return render(request, "reports/bad_request.html", {"form": form}, status=400)


@permission_required("reports.view_weekly_report", raise_exception=True)
def chafes_page(request):
    form, scope = _parsed(request, ChafesForm)
    if scope is None:
        return _bad_request(request, form)
    week, team, teams, may_see_all, now = scope
    weeks = form.cleaned_data["weeks"]
    figures = chafes.chafes(last=week, weeks=weeks, teams=None if team is None else [team.pk], now=now)
    context = {
        "chafes": figures,
        "weeks": weeks,
        "team": team,
        "teams": teams,
        "may_see_all": may_see_all,
        "min_inbound": chafes.MIN_INBOUND_TO_RANK,
        "no_topic": chafes.NO_TOPIC,
        "trend_chart": {
            "labels": [w.label for w in figures.trend_weeks],
            "series": {"repeat_rate": gettext("Repeat-contact rate"), "complaints": gettext("Complaints")},
            "topics": [
                {
                    "key": row.key,
                    "label": row.label,
                    "repeat_rate": [float(r.repeat_rate) if r.repeat_rate is not None else None for r in series],
                    "complaints": [r.complaints for r in series],
                }
                for row, series in ((row, figures.trend[row.key]) for row in figures.topics)
            ],
        },
        "this_week": IsoWeek.containing(timezone.localdate(now)),
        "first_week": IsoWeek.first(),
    }
    return render(request, "reports/chafes.html", context)


@permission_required("reports.view_weekly_report", raise_exception=True)
def chafe_contacts(request):
    form, scope = _parsed(request, ChafeContactsForm)
    if scope is None:
        return _bad_request(request, form)
    week, team, _teams, _may_see_all, now = scope
    data = form.cleaned_data
    page = data["page"] or 1
    what = _what(data)
    period = chafes.period_weeks(week, data["weeks"])
    contacts, has_next = chafes.chafe_contacts_page(
        page=page,
        size=PAGE_SIZE,
        weeks=period,
        teams=None if team is None else [team.pk],
        now=now,
        figure=data["figure"],
        topic=data["topic"] or None,
        channel=data["channel"] or None,
    )
    context = {
        "contacts": contacts,
        "has_next": has_next,
        "page": page,
        "figure_label": chafes.DRILL_FIGURES[data["figure"]],
        "what": what,
        "team": team,
        "period": period,
    }
    return render(request, "reports/chafe_contacts.html", context)


def _what(data) -> str:
    """The topic or channel the list is about, as a label; 404 for a topic that does not exist."""
    if data["channel"]:
        return str(ContactMoment.Channel(data["channel"]).label)
    if data["topic"] == chafes.NO_TOPIC:
        return str(chafes.NO_TOPIC_LABEL)
    if data["topic"]:
        return get_object_or_404(Topic.objects.values_list("name", flat=True), pk=int(data["topic"]))
    return ""

"""Thin views: the telephone system's endpoint, the caller log, the line's token, the simulator page."""

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from contactcare.forms import add_service_error

from . import selectors, services, simulator
from .forms import CallerLogForm, LineRotateForm, SimulateForm
from .models import CtiLine

logger = logging.getLogger(__name__)
PAGE_SIZE = 50
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# --- The endpoint ------------------------------------------------------------------


def _error(status: int, message: str, fields: dict | None = None) -> JsonResponse:
    body = {"error": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


def _event_data(request) -> dict:
    """The event's fields from a JSON or a form-encoded body (ValueError when unreadable)."""
    if request.content_type == "application/json" or (
        request.content_type not in FORM_TYPES and request.body.lstrip().startswith(b"{")
    ):
        data = json.loads(request.body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    return {key: values if key.endswith("[]") else values[-1] for key, values in request.POST.lists()}


@csrf_exempt  # the telephone system has no session: the secret token in the URL is its key
@login_not_required
@require_http_methods(["POST"])
def call_events(request, token):
    """Zammad's generic CTI push: POST newCall / answer / hangup. 200 `{}` when read (or a replay)."""
    line = services.line_for_token(token)
    if line is None:
        return _error(404, "Unknown endpoint.")
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _error(400, "Unreadable Content-Length.")
    if length > settings.CTI_MAX_BODY_BYTES:
        return _error(413, "The body is too large.")
    try:
        data = _event_data(request)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(400, "The body is neither JSON nor form-encoded fields.")
    event = data.get("event", "")
    try:
        services.call_event(line=line, event=event if isinstance(event, str) else "", data=data)
    except ValidationError as error:
        fields = {key: [str(m) for m in value] for key, value in error.message_dict.items()}
        return _error(400, "Bad event.", fields)
    except services.CallConflict as conflict:
        return _error(409, str(conflict))
    return JsonResponse({})


# --- The caller log -------------------------------------------------------------------


@require_GET
@permission_required("cti.view_call", raise_exception=True)
def caller_log(request):
    teams = selectors.teams_for(user=request.user)
    form = CallerLogForm(request.GET or None, teams=teams)
    today = timezone.localdate()
    day, team = today, None
    if form.is_bound:
        form.is_valid()  # a bad day or team is shown as an error; the other field still counts
        day = form.cleaned_data.get("day") or today
        team = form.cleaned_data.get("team")
    calls = selectors.caller_log(user=request.user, day=day, team=team)
    page = Paginator(calls, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    context = {
        "form": form,
        "day": day,
        "today": today,
        "team": team,
        "page": page,
        "calls": rows,
        "figures": selectors.caller_log_figures(calls),
        "shared": selectors.customers_by_number(rows),
        "can_manage": request.user.has_perm("cti.manage_ctiline"),
    }
    return render(request, "cti/caller_log.html", context)


# --- The line (managers) ----------------------------------------------------------------


@never_cache  # the page that shows a token once must not be kept by the browser
@require_http_methods(["GET", "POST"])
@permission_required("cti.manage_ctiline", raise_exception=True)
def line_list(request):
    token, endpoint, rotated_team = None, None, None
    if request.method == "POST":
        form = LineRotateForm(request.POST)
        if form.is_valid():
            rotated_team = form.cleaned_data["team"]
            _line, token = services.line_token_rotate(team=rotated_team, actor=request.user)
            endpoint = request.build_absolute_uri(reverse("cti:events", args=[token]))
        else:
            messages.error(request, _("Pick a team."))
    teams = selectors.teams_for(user=request.user).order_by("name")
    lines = {line.team_id: line for line in CtiLine.objects.select_related("rotated_by")}
    context = {
        "rows": [(team, lines.get(team.pk)) for team in teams],
        "token": token,
        "endpoint": endpoint,
        "rotated_team": rotated_team,
    }
    return render(request, "cti/line_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("cti.manage_ctiline", raise_exception=True)
def simulate(request):
    form = SimulateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        team, scenario = form.cleaned_data["team"], form.cleaned_data["scenario"]
        person = simulator.person_for(team, form.cleaned_data["username"] or None)
        if form.cleaned_data["username"] and person is None:
            form.add_error("username", _("Nobody with this user name works in this team."))
        else:
            line = CtiLine.objects.filter(team=team).first()
            if line is None:
                line, _token = services.line_token_rotate(team=team, actor=request.user)
            sequence = simulator.steps(
                scenario=scenario,
                from_number=form.cleaned_data["from_number"] or simulator.caller_number(team, scenario),
                person=person,
            )
            try:
                simulator.run_direct(line=line, sequence=sequence, actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            except services.CallConflict as conflict:
                form.add_error(None, str(conflict))
            else:
                messages.success(request, _("Simulated call sent: %(what)s.") % {"what": simulator.SCENARIOS[scenario]})
                return redirect(f"{reverse('cti:caller-log')}?team={team.pk}")
    return render(request, "cti/simulate.html", {"form": form})

"""The weekly report: on screen, and as downloads for managers (each one recorded)."""

from functools import wraps

from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.text import slugify

from contacts.models import ContactMoment
from followups.selectors import teams_for

from . import closing, exports, selectors, services
from .figures import BY_KEY, PERSON_COLUMNS, TEAM_COLUMNS
from .forms import SEPARATORS, ReportScopeForm, default_separator
from .models import ReportDownload
from .weeks import IsoWeek


def _scoped(view):
    """Parse `week` and `team` before the view runs: a value that is not one answers 400, and nothing starts."""

    @wraps(view)
    def wrapper(request):
        form = ReportScopeForm(request.GET)
        if not form.is_valid():
            return render(request, "reports/bad_request.html", {"form": form}, status=400)
        request.report_sep = form.cleaned_data["sep"] or default_separator(translation.get_language())
        return view(request, *_scope(request, week=form.cleaned_data["week"], team_id=form.cleaned_data["team"]))

    return wrapper


def _scope(request, *, week: IsoWeek | None, team_id: int | None):
    """(week, team or None for all, the teams the user may see, …); 404 for a team that is not theirs."""
    now = timezone.now()
    week = week or IsoWeek.last_complete(now)
    teams = list(teams_for(user=request.user))
    may_see_all = request.user.has_perm("followups.view_all_teams")
    if team_id is not None:
        team = next((t for t in teams if t.pk == team_id), None)
        if team is None:
            raise Http404
    elif may_see_all:
        team = None
    elif teams:
        team = teams[0]
    else:
        raise Http404
    return week, team, teams, may_see_all, now


@permission_required("reports.view_weekly_report", raise_exception=True)
@_scoped
def weekly(request, week, team, teams, may_see_all, now):
    report, closed = closing.weekly_report(week=week, team=team, now=now, teams=teams, with_people=team is not None)
    context = {
        "report": report,
        "closed": closed,
        "rows": selectors.figure_rows(report),
        "teams": teams,
        "may_see_all": may_see_all,
        "team_columns": [BY_KEY[key] for key in TEAM_COLUMNS],
        "person_columns": [BY_KEY[key] for key in PERSON_COLUMNS],
        "charts": _charts(report),
        "this_week": IsoWeek.containing(timezone.localdate(now)),
        "first_week": IsoWeek.first(),
        "sep": request.report_sep,
    }
    return render(request, "reports/weekly.html", context)


def _charts(report) -> dict:
    """The numbers behind the four charts (and their table equivalents)."""
    raw = report.raw
    return {
        "channels": {
            "labels": [str(label) for label in ContactMoment.Channel.labels],
            "inbound": [raw.get(f"ch_{c}_in", 0) for c in ContactMoment.Channel.values],
            "outbound": [raw.get(f"ch_{c}_out", 0) for c in ContactMoment.Channel.values],
        },
        "trend": {
            "labels": [week.label for week, _ in report.trend],
            "kept_on_time": [r.get("kept_on_time", 0) for _, r in report.trend],
            "kept_late": [r.get("kept_late", 0) for _, r in report.trend],
            "broken": [r.get("broken", 0) for _, r in report.trend],
            "checkins_on_time": [r.get("checkins_on_time", 0) for _, r in report.trend],
            "checkins_late": [r.get("checkins_late", 0) for _, r in report.trend],
            "checkins_overdue": [r.get("checkins_overdue", 0) for _, r in report.trend],
        },
        "sentiment": {
            "labels": [str(label) for label in ContactMoment.Sentiment.labels],
            "start": [raw.get(f"sentiment_start_{v}", 0) for v in ContactMoment.Sentiment.values],
            "end": [raw.get(f"sentiment_end_{v}", 0) for v in ContactMoment.Sentiment.values],
        },
    }


@permission_required("reports.download_weekly_report", raise_exception=True)
@_scoped
def weekly_csv(request, week, team, teams, _may_see_all, now):
    services.download_record(user=request.user, week=week, team=team, format=ReportDownload.Format.CSV)
    tables, closed = closing.report_tables(week=week, now=now, teams=[team] if team else teams, total=team is None)
    delimiter = SEPARATORS[request.report_sep]
    response = StreamingHttpResponse(
        exports.report_csv(tables, week, delimiter=delimiter, closed=closed), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name("contactcare", week, team)}.csv"'
    return response


def file_name(prefix: str, week: IsoWeek, team) -> str:
    """`contactcare-2026-W45-team-noord`: the week, and the team when the download is one team's (its name
    slugified, ASCII; its number when nothing of the name is left)."""
    if team is None:
        return f"{prefix}-{week.label}"
    return f"{prefix}-{week.label}-team-{slugify(team.name) or team.pk}"


@permission_required("reports.download_weekly_report", raise_exception=True)
@_scoped
def weekly_xlsx(request, week, team, teams, _may_see_all, now):
    services.download_record(user=request.user, week=week, team=team, format=ReportDownload.Format.XLSX)
    tables, closed = closing.report_tables(week=week, now=now, teams=[team] if team else teams, total=team is None)
    return FileResponse(
        exports.xlsx_file(tables, week, closed=closed),
        as_attachment=True,
        filename=f"{file_name('contactcare', week, team)}.xlsx",
        content_type=exports.XLSX_TYPE,
    )


@permission_required("reports.download_weekly_report", raise_exception=True)
@_scoped
def contacts_csv(request, week, team, _teams, _may_see_all, _now):
    services.download_record(user=request.user, week=week, team=team, format=ReportDownload.Format.CONTACTS_CSV)
    delimiter = SEPARATORS[request.report_sep]
    response = StreamingHttpResponse(
        exports.contacts_csv(week, team, delimiter=delimiter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name("contactcare-contacts", week, team)}.csv"'
    return response

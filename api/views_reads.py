"""My day and the weekly report as JSON: the screens' own reads (`followups.my_day`, `reports.selectors`)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from followups import my_day as my_day_reads
from followups.models import CheckIn, Handover, Promise
from reports import selectors as report_selectors
from reports.figures import FIGURES
from reports.views import _scope as report_scope
from reports.weeks import IsoWeek

from . import serializers as s
from .base import ApiView

KINDS = {my_day_reads.CHECKIN: CheckIn, my_day_reads.PROMISE: Promise, my_day_reads.HANDOVER: Handover}


class MyDay(ApiView):
    """Your day, as the My day page: each section's count and first page (25, oldest first). The next page of a
    section: `?section=<its section>&after=<its next>`, the same keyset cursors as the page's "Show more"."""

    required_permissions = {"GET": ["followups.view_checkin"]}
    serializer_class = s.MyDaySerializer
    pagination_class = None

    @extend_schema(parameters=[s.MyDayQuerySerializer], responses={200: s.MyDaySerializer})
    def get(self, request):
        params = s.MyDayQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        section = my_day_reads.SECTIONS.get(params.validated_data.get("section", ""))
        after = None
        if "after" in params.validated_data:
            if section is None:
                raise exceptions.ValidationError({"section": [_("Say which section the cursor is of.")]})
            try:
                after = my_day_reads.cursor_decode(section, params.validated_data["after"])
            except ValueError:
                raise exceptions.ValidationError({"after": [_("This cursor cannot be read; start again.")]}) from None
        now = timezone.now()
        day = my_day_reads.my_day(user=request.user, now=now, section=section, after=after)
        # My day reads only the columns its rows show; the API shows whole rows: one query per table, by id.
        pages = list(day.pages.values())
        wanted = {
            kind: [item.pk for page in pages if page.section.kind == kind for item in page.items] for kind in KINDS
        }
        managers = {kind: model.objects for kind, model in KINDS.items()}
        managers[my_day_reads.HANDOVER] = Handover.objects.with_waiting_too_long(now)
        rows = {kind: managers[kind].in_bulk(ids) if ids else {} for kind, ids in wanted.items()}
        sections = []
        for page in pages:
            kind = page.section.kind
            items = [rows[kind][item.pk] for item in page.items if item.pk in rows[kind]]
            sections.append(
                {
                    "section": page.section.key,
                    "kind": kind,
                    "count": page.count,
                    "checkins": items if kind == my_day_reads.CHECKIN else [],
                    "promises": items if kind == my_day_reads.PROMISE else [],
                    "handovers": items if kind == my_day_reads.HANDOVER else [],
                    "next": page.next_cursor,
                }
            )
        body = {"today": day.today, "sections": sections}
        return Response(s.MyDaySerializer(body).data)


class WeeklyReport(ApiView):
    """The weekly report's figures (the same list and counts as the Report page, CSV and XLSX): for `week`
    (default: the last complete week) and `team` (default: all teams for managers, else your first team)."""

    required_permissions = {"GET": ["reports.view_weekly_report"]}
    serializer_class = s.WeeklyReportSerializer
    pagination_class = None

    @extend_schema(parameters=[s.ReportQuerySerializer], responses={200: s.WeeklyReportSerializer})
    def get(self, request):
        params = s.ReportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        label = params.validated_data.get("week")
        week = IsoWeek.parse(label) if label else None
        if label and week is None:
            raise exceptions.ValidationError(
                {
                    "week": [
                        _("Choose a week from %(first)s to %(last)s, written like 2026-W47.")
                        % {"first": IsoWeek.first().label, "last": IsoWeek.last().label}
                    ]
                }
            )
        week, team, teams, _may_see_all, now = report_scope(
            request, week=week, team_id=params.validated_data.get("team")
        )
        report = report_selectors.weekly_report(
            week=week, team=team, now=now, teams=teams, with_people=team is not None
        )
        body = {
            "week": report.week.label,
            "previous_week": report.previous.label,
            "team": team.pk if team else None,
            "figures": [
                {
                    "key": figure.key,
                    "label": str(figure.label),
                    "definition": str(figure.definition),
                    "section": str(figure.section),
                    "unit": figure.unit,
                    "value": report.current[figure.key],
                    "previous": report.before[figure.key],
                }
                for figure in FIGURES
            ],
            "teams": [{"id": t.pk, "name": t.name, "figures": figures} for t, figures in report.teams],
            "people": [
                {
                    "id": user.pk if user else None,
                    "name": (user.get_full_name() or user.get_username()) if user else "",
                    "figures": figures,
                }
                for user, figures in report.people
            ],
        }
        return Response(s.WeeklyReportSerializer(body).data)

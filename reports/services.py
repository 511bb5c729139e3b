"""Writes of the reports app: recording downloads, and the Monday e-mail to managers."""

from datetime import datetime, time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from contactcare.services import system_user
from contacts.models import Team
from followups import notifications, sweeps
from followups.models import Notification

from . import closing
from .chafes import chafed_most
from .exports import xlsx_bytes
from .models import ClosedWeek, ReportDownload
from .weeks import IsoWeek

WEEKLY_REPORT = "weekly-report"


def download_record(*, user, week: IsoWeek, team: Team | None, format: str) -> ReportDownload:
    return ReportDownload.objects.create(user=user, week=week.label, team=team, format=format)


def weekly_report_recipients():
    """Active people whose role receives the Monday report (managers)."""
    permission = Permission.objects.filter(codename="receive_weekly_report", content_type__app_label="reports")
    return (
        get_user_model()
        .objects.filter(Q(groups__permissions__in=permission) | Q(user_permissions__in=permission), is_active=True)
        .distinct()
    )


def weekly_report_mails_create(*, now: datetime) -> int:
    """Write last week's report for every manager who has not had it, from Monday WEEKLY_REPORT_TIME on.

    Runs every quarter of an hour: the first run on Monday from 07:00 writes
    them, a later run (after an outage, any day of the week) catches up, and
    the unique (manager, week) key keeps it to one report per manager. The
    first run closes last week first (reports.closing), whether or not anybody
    receives the report: the e-mail is built from the closed figures, so it
    shows what the page of that week shows from then on.
    """
    this_week = IsoWeek.containing(timezone.localdate(now))
    send_from = timezone.make_aware(datetime.combine(this_week.monday, time.fromisoformat(settings.WEEKLY_REPORT_TIME)))
    if now < send_from:
        return 0
    week = this_week.previous()
    closing.week_close(week=week, now=now, actor=system_user(), how=ClosedWeek.How.SWEEP)
    key = f"report:{week.label}"
    waiting = list(
        weekly_report_recipients().exclude(notifications__kind=Notification.Kind.WEEKLY_REPORT, notifications__key=key)
    )
    if not waiting:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        tables, closed = closing.report_tables(
            week=week, now=now, teams=list(Team.objects.order_by("name")), since=False
        )
        context = {
            "week": week,
            "tables": tables,
            "closed": closed,
            "site_url": settings.SITE_URL,
            "link": reverse("reports:weekly"),
            "chafed": chafed_most(week=week, now=now),
            "chafes_link": f"{reverse('reports:chafes')}?week={week.label}&weeks=1",
        }
        subject = render_to_string("reports/email/weekly_subject.txt", context).strip()
        body = render_to_string("reports/email/weekly.txt", context)
        html = render_to_string("reports/email/weekly.html", context)
        attachment = xlsx_bytes(tables, week, closed=closed)
    rows = [
        Notification(
            recipient=manager,
            kind=Notification.Kind.WEEKLY_REPORT,
            key=key,
            subject=subject,
            body=body,
            html_body=html,
            link=f"{reverse('reports:weekly')}?week={week.label}",
            attachment=attachment,
            attachment_name=f"contactcare-{week.label}.xlsx",
            next_attempt_at=now,
        )
        for manager in waiting
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    notifications.dispatch_soon()
    return len(rows)


def weekly_report_sweep() -> int:
    return sweeps.run(WEEKLY_REPORT, lambda now: weekly_report_mails_create(now=now))

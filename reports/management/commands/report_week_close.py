"""Close a past week by hand: `manage.py report_week_close --week 2026-W45`.

For a week the Monday sweep did not close (the scheduler was down for more
than a week, or weeks before closing existed). Its figures are counted as
they stand now. Idempotent: a week closed already keeps its first closing.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contactcare.services import system_user
from reports.closing import week_close
from reports.models import ClosedWeek
from reports.weeks import IsoWeek


class Command(BaseCommand):
    help = "Close a past week of the weekly report: keep its figures as they stand now (once per week)."

    def add_arguments(self, parser):
        parser.add_argument("--week", required=True, help="The ISO week to close, e.g. 2026-W45.")

    def handle(self, *args, week, **options):
        parsed = IsoWeek.parse(week)
        if parsed is None:
            raise CommandError(f"Not a supported ISO week: {week!r} (write it like 2026-W45).")
        try:
            closing, made = week_close(week=parsed, now=timezone.now(), actor=system_user(), how=ClosedWeek.How.COMMAND)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        at = timezone.localtime(closing.closed_at).isoformat(timespec="minutes")
        if made:
            self.stdout.write(f"Closed {parsed.label} at {at}.")
        else:
            self.stdout.write(f"{parsed.label} was closed already, at {at}; left as it was.")

"""Rebuild the weekly report's summary exactly from the raw rows: `manage.py report_summaries_rebuild`.

For after REPEAT_CONTACT_WINDOW_DAYS changed, rows written around the
services (a bulk load), or to check: the upkeep already keeps the summary
exact, so a rebuild of a healthy database changes nothing. Week by week,
each in its own short transaction, so the desk keeps working meanwhile.
"""

from django.core.management.base import BaseCommand, CommandError

from reports.chafes import topic_summaries_rebuild_week
from reports.summaries import promises_made_at_fill, summaries_rebuild_week, weeks_with_contacts
from reports.weeks import IsoWeek


class Command(BaseCommand):
    help = "Recompute the repeat flags and the weekly summaries of contacts (also by topic) from the raw rows."

    def add_arguments(self, parser):
        parser.add_argument(
            "--week", action="append", default=[], help="Only this ISO week, e.g. 2026-W45 (repeatable)."
        )

    def handle(self, *args, week, **options):
        weeks = []
        for label in week:
            parsed = IsoWeek.parse(label)
            if parsed is None:
                raise CommandError(f"Not a supported ISO week: {label!r} (write it like 2026-W45).")
            weeks.append(parsed)
        filled = promises_made_at_fill()
        weeks = weeks or weeks_with_contacts()
        buckets = 0
        for one in weeks:
            buckets += summaries_rebuild_week(one)
            topic_summaries_rebuild_week(one)  # by topic and channel, from the flags just refreshed
        self.stdout.write(
            f"Rebuilt {len(weeks)} week(s): {buckets} summary row(s) with contacts; "
            f"{filled} promise(s) got their contact's time."
        )

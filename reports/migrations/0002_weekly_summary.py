# Issue 11: the per-week, per-team, per-person summary of contacts the report reads (reports.summaries).
# Filled here from the existing contacts, week by week, the way `manage.py report_summaries_rebuild` does
# (which stays the way to rebuild it later, e.g. after REPEAT_CONTACT_WINDOW_DAYS changed).
from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max, Min
from django.utils import timezone


def summaries_fill(apps, schema_editor):
    """The rebuild, against the historical models: every week's contacts grouped by team and person."""
    from reports.summaries import contact_counts
    from reports.weeks import IsoWeek

    ContactMoment = apps.get_model("contacts", "ContactMoment")
    WeeklySummary = apps.get_model("reports", "WeeklySummary")
    alive = ContactMoment.objects.filter(deleted_at__isnull=True)
    span = alive.order_by().aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    if span["first"] is None:
        return
    week = IsoWeek.containing(timezone.localdate(span["first"]))
    last = IsoWeek.containing(timezone.localdate(span["last"]))
    window = settings.REPEAT_CONTACT_WINDOW_DAYS
    while True:
        rows = (
            alive.filter(occurred_at__gte=week.start, occurred_at__lt=week.end)
            .values("team_id", "logged_by_id")
            .annotate(**contact_counts())
            .order_by()
        )
        summaries = []
        for row in rows:
            team, person = row.pop("team_id"), row.pop("logged_by_id")
            summaries.append(
                WeeklySummary(
                    week=week.monday,
                    team_id=0 if team is None else team,  # no team was 0 then; NULL since 0003
                    person_id=person,
                    counts={name: value or 0 for name, value in row.items()},
                    repeat_window_days=window,
                )
            )
        WeeklySummary.objects.bulk_create(summaries)
        if week >= last:
            return
        week = IsoWeek.containing(week.monday + timedelta(weeks=1))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("followups", "0008_outbox_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="WeeklySummary",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.DateField()),
                ("team_id", models.BigIntegerField(default=0)),
                ("person_id", models.BigIntegerField()),
                ("counts", models.JSONField(default=dict)),
                ("repeat_window_days", models.PositiveSmallIntegerField()),
            ],
            options={
                "verbose_name": "weekly summary",
                "verbose_name_plural": "weekly summaries",
                "constraints": [
                    models.UniqueConstraint(fields=("week", "team_id", "person_id"), name="weekly_summary_bucket")
                ],
            },
        ),
        migrations.RunPython(summaries_fill, migrations.RunPython.noop, elidable=True),
    ]

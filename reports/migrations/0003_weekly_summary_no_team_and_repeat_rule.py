# Issue 14: contacts without a team are summarised with team_id NULL (it was the number 0), and every row
# names the repeat rule it was counted with. Rows that exist were counted with 24-hour days ("elapsed"): the
# report counts their weeks from the contacts, with the rule as it is now (local calendar days), until
# `manage.py report_summaries_rebuild` has recomputed the stored flags and rows (see the README's upgrade note).
from django.db import migrations, models


def no_team_null(apps, schema_editor):
    apps.get_model("reports", "WeeklySummary").objects.filter(team_id=0).update(team_id=None)


def no_team_zero(apps, schema_editor):
    apps.get_model("reports", "WeeklySummary").objects.filter(team_id__isnull=True).update(team_id=0)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_weekly_summary"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="weeklysummary", name="weekly_summary_bucket"),
        migrations.AlterField(
            model_name="weeklysummary",
            name="team_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(no_team_null, no_team_zero),
        migrations.AddField(
            model_name="weeklysummary",
            name="repeat_rule",
            field=models.CharField(default="elapsed", max_length=16),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="weeklysummary",
            constraint=models.UniqueConstraint(
                condition=models.Q(("team_id__isnull", False)),
                fields=("week", "team_id", "person_id"),
                name="weekly_summary_bucket",
            ),
        ),
        migrations.AddConstraint(
            model_name="weeklysummary",
            constraint=models.UniqueConstraint(
                condition=models.Q(("team_id__isnull", True)),
                fields=("week", "person_id"),
                name="weekly_summary_no_team_bucket",
            ),
        ),
    ]

# Issue 11: what the report needs, stored when it happens: a promise carries its contact's time (made_at),
# so "promises made in the week" reads an index instead of joining every promise to its contact.
# Schema and backfill of the existing rows.
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def made_at_backfill(apps, schema_editor):
    Promise = apps.get_model("followups", "Promise")
    ContactMoment = apps.get_model("contacts", "ContactMoment")
    Promise.objects.filter(made_at__isnull=True).update(
        made_at=Subquery(ContactMoment.objects.filter(pk=OuterRef("moment_id")).values("occurred_at")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0006_retention"),
        ("contacts", "0013_contact_imported"),
    ]

    operations = [
        migrations.AddField(
            model_name="promise",
            name="made_at",
            field=models.DateTimeField(blank=True, db_index=True, editable=False, null=True, verbose_name="made at"),
        ),
        migrations.RunPython(made_at_backfill, migrations.RunPython.noop, elidable=True),
    ]

# Issue 11: a contact's repeat flag, decided when it is logged (contacts.repeats), so the report and the
# contacts download no longer look for an earlier contact per row. Schema and backfill of the existing rows;
# and a small index of the deleted contacts, which the report leaves out without joining every contact.
from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef


def flags_backfill(apps, schema_editor):
    """Today's definition (contacts.repeats), spelled against the historical model: set-based, one UPDATE."""
    ContactMoment = apps.get_model("contacts", "ContactMoment")
    window = timedelta(days=settings.REPEAT_CONTACT_WINDOW_DAYS)
    earlier = ContactMoment.objects.filter(
        deleted_at__isnull=True,
        direction="in",
        customer=OuterRef("customer"),
        occurred_at__lt=OuterRef("occurred_at"),
        occurred_at__gte=ExpressionWrapper(OuterRef("occurred_at") - window, output_field=DateTimeField()),
    )
    ContactMoment.objects.filter(deleted_at__isnull=True, direction="in").filter(Exists(earlier)).update(is_repeat=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0010_merge_issue_10"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactmoment",
            name="is_repeat",
            field=models.BooleanField(default=False, editable=False, verbose_name="repeat contact"),
        ),
        migrations.RunPython(flags_backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="contactmoment",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", False)), fields=["id"], name="contact_deleted_idx"
            ),
        ),
    ]

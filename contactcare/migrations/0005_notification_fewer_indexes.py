"""Fewer and cheaper indexes on the outbox (issue 11): the broken-promise sweep writes a notice per promise.

- the recipient needs no index of its own (the unique key and the inbox index start with it);
- who already has a digest or report e-mail is asked only of those kinds: a partial index;
- on PostgreSQL the key is compared bytewise (COLLATE "C"; it is ASCII), which makes writing the unique
  key's index entries markedly cheaper than the database's linguistic collation.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def key_bytewise(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE followups_notification ALTER COLUMN key TYPE varchar(100) COLLATE "C"')


def key_linguistic(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE followups_notification ALTER COLUMN key TYPE varchar(100) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [
        ("contactcare", "0004_webhooks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="notification",
            name="notification_kind_key_idx",
        ),
        migrations.AlterField(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("kind__in", ["digest", "weekly_report"])),
                fields=["kind", "key"],
                name="notification_kind_key_idx",
            ),
        ),
        migrations.RunPython(key_bytewise, key_linguistic),
    ]

"""Phone search on PostgreSQL: a trigram index so that the last digits of a number (`LIKE '%33134406%'`) stay fast.

Exact numbers keep the plain index on phone (E.164). SQLite has no pg_trgm;
there the plain index serves, which is fine at the size of a local installation.
"""

from django.db import migrations

INDEX = "contacts_customer_phone_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON contacts_customer USING gin (phone gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0004_normalise_stored_phones")]

    operations = [migrations.RunPython(create_index, drop_index)]

"""Name search on PostgreSQL: a trigram index so that `LIKE '%fragment%'` stays fast.

SQLite (the embedded default) has no pg_trgm; there the plain index on
search_name serves, which is fine at the size of a local installation.
"""

from django.db import migrations

INDEX = "contacts_customer_search_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON contacts_customer USING gin (search_name gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]

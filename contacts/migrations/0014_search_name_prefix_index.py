# Issue 11: names that start with the typed text, read in order from one B-tree (PostgreSQL).
#
# The search's first name stage orders by (search_name USING ~<~, id) and stops at its LIMIT. Django's own
# `…_like` index (search_name varchar_pattern_ops) finds the range but leaves equal names unsorted by id, so a
# common first name ("ja") sorted its whole group; with id in the index the scan stops after ten rows.
from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS customer_search_name_prefix_idx "
    "ON contacts_customer (search_name varchar_pattern_ops, id)"
)
DROP = "DROP INDEX IF EXISTS customer_search_name_prefix_idx"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("contacts", "0013_contact_imported")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP), elidable=False)]

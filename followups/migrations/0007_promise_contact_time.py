# Issue 11: what the report needs, stored when it happens.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0006_retention"),
        ("contacts", "0013_contact_imported"),
    ]

    operations = []

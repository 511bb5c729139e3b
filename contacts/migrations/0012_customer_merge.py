# Issue 10: merging two customers.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0011_contact_is_repeat"),
    ]

    operations = []

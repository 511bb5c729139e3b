# Issue 10: historic contacts imported from a file.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0012_customer_merge"),
    ]

    operations = []

# Issue 11: the per-week, per-team, per-person summary the report reads.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("followups", "0008_outbox_moved"),
    ]

    operations = []

# Issue 10: the retention list a manager confirms.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0005_history_reasons_whole"),
    ]

    operations = []

# Issue 11: a contact's repeat flag, decided when it is logged.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0010_merge_issue_10"),
    ]

    operations = []

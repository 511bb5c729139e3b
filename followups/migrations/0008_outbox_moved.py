# Issue 11: the outbox models now live in contactcare.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0007_promise_contact_time"),
        ("contactcare", "0003_outbox"),
    ]

    operations = []

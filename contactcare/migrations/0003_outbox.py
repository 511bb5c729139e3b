# Issue 11: the outbox (notifications, sweep heartbeat) below the apps.
# Placeholder created before the work was shared out, so that the chain has one leaf; its owner fills it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contactcare", "0002_privacy_audit"),
        ("followups", "0007_promise_contact_time"),
    ]

    operations = []

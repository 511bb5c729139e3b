# Issue 11: the outbox models now live in contactcare (see contactcare 0003).
# Django's state forgets them here; their tables stay as they are.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0007_promise_contact_time"),
        ("contactcare", "0003_outbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="notification", name="recipient"),
                migrations.DeleteModel(name="SweepRun"),
                migrations.DeleteModel(name="Notification"),
            ],
            database_operations=[],
        ),
    ]

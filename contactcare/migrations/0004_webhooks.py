# Issue 12: outgoing webhooks through the outbox (placeholder, filled by the webhooks work).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contactcare", "0003_outbox")]
    operations = []

# Issue 12: callback promises (placeholder, filled by the callbacks work).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("followups", "0009_open_items_indexes")]
    operations = []

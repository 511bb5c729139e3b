# Issue 12: calls from the telephone system (placeholder, filled by the CTI work).
from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("contacts", "0014_search_name_prefix_index"),
        ("followups", "0010_promise_callback"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = []

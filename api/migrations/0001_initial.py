# Issue 12: personal API tokens and idempotency keys (placeholder, filled by the API work).
from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = []

"""The default check-in policy: day 3 and week 6 after an inbound contact, in Dutch business days."""

from django.db import migrations

DEFAULT = {
    "name": "Dag 3 en week 6",
    "offsets": "3d, 6w",
    "day_type": "business",
    "holiday_country": "NL",
    "channels": [],
    "directions": ["in"],
    "outcomes": [],
}


def create(apps, schema_editor):
    CheckInPolicy = apps.get_model("followups", "CheckInPolicy")
    CheckInPolicy.objects.get_or_create(name=DEFAULT["name"], defaults=DEFAULT)


def remove(apps, schema_editor):
    apps.get_model("followups", "CheckInPolicy").objects.filter(name=DEFAULT["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_initial")]

    operations = [migrations.RunPython(create, remove)]

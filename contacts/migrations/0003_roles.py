"""The three roles as groups, with what they may do in the contacts app."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = "Staff"
TEAM_LEAD = "Team lead"
MANAGER = "Manager"

DESK_WORK = [
    "view_customer",
    "add_customer",
    "change_customer",
    "view_contactmoment",
    "add_contactmoment",
    "view_customerdetail",
    "add_customerdetail",
    "change_customerdetail",
    "delete_customerdetail",
    "view_topic",
    "view_team",
]
GRANTS = {
    STAFF: DESK_WORK,
    TEAM_LEAD: DESK_WORK,
    MANAGER: [*DESK_WORK, "add_topic", "change_topic"],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them
    # now so that the groups can be given them on a fresh database.
    app_config = apps.get_app_config("contacts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="contacts", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="contacts", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_search_trigram_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]

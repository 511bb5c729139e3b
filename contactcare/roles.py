"""The three roles and what each may do: the one place that says so.

Roles are Django groups. After every `migrate` (and every test-database
flush), `roles_sync` creates the groups and grants them the permissions
listed here, so a fresh database has working roles and a new permission
reaches its role with the next deploy. Grants are only added, never taken
away: a permission an administrator added to a group by hand stays.

Views check permissions, never group names.
"""

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

STAFF = "Staff"
TEAM_LEAD = "Team lead"
MANAGER = "Manager"

DESK_WORK = [
    "contacts.view_customer",
    "contacts.add_customer",
    "contacts.change_customer",
    "contacts.view_contactmoment",
    "contacts.add_contactmoment",
    "contacts.view_customerdetail",
    "contacts.add_customerdetail",
    "contacts.change_customerdetail",
    "contacts.delete_customerdetail",
    "contacts.view_topic",
    "contacts.view_team",
    "cti.view_call",  # the caller log (issue 12)
]
FOLLOW_UP = [
    "followups.view_checkin",
    "followups.change_checkin",
    "followups.view_promise",
    "followups.add_promise",
    "followups.change_promise",
    "contactcare.view_notification",
    "followups.view_handover",  # issue 13: hand a customer over, accept, pass on
    "followups.add_handover",
    "followups.change_handover",
    "coaching.view_own_card",  # issue 14: one's own coaching card, and the thank-you notes one received
    "coaching.view_thankyounote",
]
TEAM_LEADING = [
    "followups.view_team_dashboard",
    "followups.reassign_checkin",
    "reports.view_weekly_report",
    "contacts.merge_customer",
    "coaching.view_coaching_cards",  # issue 14: the cards of their team(s); managers any team's
    "coaching.add_thankyounote",
]
STEERING = [
    "followups.view_all_teams",
    "reports.download_weekly_report",
    "reports.receive_weekly_report",
    "contacts.add_topic",
    "contacts.change_topic",
    "followups.view_checkinpolicy",
    "followups.add_checkinpolicy",
    "followups.change_checkinpolicy",
    "followups.view_desksettings",  # opening hours, reply terms, keeping customers informed (issue 13)
    "followups.change_desksettings",
    "contactcare.view_followup_status",
    "contactcare.change_notification",
    "contacts.add_customerimport",
    "contactcare.export_customer_data",
    "contactcare.erase_customer",
    "contactcare.manage_webhooks",
    "cti.manage_ctiline",  # the telephone system's token, the "Simulate a call" page (issue 12)
]
GRANTS: dict[str, list[str]] = {
    STAFF: [*DESK_WORK, *FOLLOW_UP],
    TEAM_LEAD: [*DESK_WORK, *FOLLOW_UP, *TEAM_LEADING],
    MANAGER: [*DESK_WORK, *FOLLOW_UP, *TEAM_LEADING, *STEERING],
}


def roles_sync(*, using: str = "default", apps=None) -> None:
    """Create the role groups and add any grant they are missing (idempotent)."""
    from django.apps import apps as global_apps

    for app_config in (apps or global_apps).get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)  # they may not exist yet at this point
    wanted = {perm for perms in GRANTS.values() for perm in perms}
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
        if f"{app_label}.{codename}" in wanted
    }
    for role, perms in GRANTS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.add(*[by_name[perm] for perm in perms if perm in by_name])

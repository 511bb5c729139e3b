import pytest
from django.contrib.auth.models import Group

from contactcare import roles
from contactcare.roles import roles_sync

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_migrated_database_has_the_three_roles_with_their_grants():
    for role, perms in roles.GRANTS.items():
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert set(perms) <= granted, role


def test_roles_sync_is_idempotent_and_keeps_grants_added_by_hand():
    staff = Group.objects.get(name=roles.STAFF)
    extra = Group.objects.get(name=roles.MANAGER).permissions.exclude(pk__in=staff.permissions.all()).first()
    staff.permissions.add(extra)
    before = set(staff.permissions.values_list("pk", flat=True))

    roles_sync()
    roles_sync()

    assert set(staff.permissions.values_list("pk", flat=True)) == before
    assert Group.objects.filter(name__in=roles.GRANTS).count() == 3


@pytest.mark.parametrize(
    "role,perm,allowed",
    [
        (roles.STAFF, "contacts.add_contactmoment", True),
        (roles.STAFF, "contacts.change_topic", False),
        (roles.MANAGER, "contacts.change_topic", True),
        ("", "contacts.view_customer", False),
    ],
)
def test_what_each_role_may_do(role, perm, allowed):
    assert UserFactory(role=role).has_perm(perm) is allowed

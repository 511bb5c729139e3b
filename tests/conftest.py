import pytest

from contactcare import roles

from .factories import UserFactory


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", first_name="Sanne", last_name="Staff", role=roles.STAFF)


@pytest.fixture
def lead_user(db):
    return UserFactory(username="lead", first_name="Lars", last_name="Lead", role=roles.TEAM_LEAD)


@pytest.fixture
def manager_user(db):
    return UserFactory(username="manager", first_name="Mila", last_name="Manager", role=roles.MANAGER)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for attackers, not for a test suite that creates hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

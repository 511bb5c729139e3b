import pytest

from contactcare import roles

from .celery_utils import broker
from .factories import CheckInPolicyFactory, UserFactory


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


@pytest.fixture(scope="session", autouse=True)
def _celery_publishes_in_memory():
    """Tests publish to kombu's in-memory transport unless a test points at a real broker.

    (Work after commit is run with django_capture_on_commit_callbacks, or by
    a real worker in the worker tests; nothing lands in the project's queue folder.)
    """
    with broker("memory://"):
        yield


@pytest.fixture
def default_policy(db):
    """The default check-in policy. Migrations create it, but transactional tests flush it away."""
    return CheckInPolicyFactory()

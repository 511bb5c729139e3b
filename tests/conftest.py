import os
import uuid
from pathlib import Path

import pytest

from contactcare import roles

from .celery_utils import broker
from .factories import CheckInPolicyFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """A SQLite test database of its own for every run (and every xdist worker).

    It stays a file, not memory, so that the Celery worker a test starts can
    open it; a fixed file name would let two runs at once corrupt each other.
    PostgreSQL keeps pytest-django's names (`test_<name>`, `_gwN` per worker).
    With --reuse-db the settings' fixed name is kept: reusing needs a stable name.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3" or request.config.getvalue("reuse_db"):
        yield
        return
    workerinput = getattr(request.config, "workerinput", {})
    run = workerinput.get("testrunuid", uuid.uuid4().hex)[:12]
    worker = f"-{workerinput['workerid']}" if "workerid" in workerinput else ""
    default = Path(db.get("TEST", {}).get("NAME") or Path(settings.BASE_DIR) / "var" / "test-db.sqlite3")
    path = default.parent / f"test-db-{run}-{os.getpid()}{worker}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    db.setdefault("TEST", {})["NAME"] = str(path)
    yield
    for leftover in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        leftover.unlink(missing_ok=True)


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

"""The follow-up flows with a real Celery worker and beat: on Redis, and on the embedded filesystem transport.

The worker runs in its own process against this test's database; what the
test checks is what a user would see: promises flagged broken, e-mails sent,
digests written, by themselves.
"""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from contactcare.models import Notification, SweepRun
from followups.models import Promise
from followups.tasks import daily_digests_task
from reports.tasks import weekly_report_mails_task

from ..celery_utils import Worker, broker, redis_reachable, redis_test_url, wait_for
from ..factories import CheckInFactory, ContactMomentFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
REDIS_URL = redis_test_url()


@pytest.fixture
def redis_url():
    if not redis_reachable(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL} (set CELERY_TEST_REDIS_URL or start redis-server)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # db 15 is ours: no stale messages from an earlier run
    return REDIS_URL


@pytest.fixture
def desk():
    owner = UserFactory(username="owner", email="owner@example.com")
    lead = UserFactory(username="lead", email="lead@example.com", role="Team lead")
    team = TeamFactory(members=[owner], lead=lead)
    moment = ContactMomentFactory(logged_by=owner, team=team)
    promise = PromiseFactory(moment=moment, due_at=timezone.now() - timedelta(minutes=2), description="Bel terug")
    CheckInFactory(origin=moment, assignee=owner, due_date=timezone.localdate())
    UserFactory(username="maria", email="maria@example.com", role="Manager")
    return promise


def _sees_the_sweep_and_the_digest(worker: Worker, promise: Promise, publish_broker: str, options=None):
    # beat's sweep flags the broken promise and the dispatch sweep e-mails owner and lead
    wait_for(
        lambda: Notification.objects.filter(kind="promise_broken", status="sent").count() == 2,
        worker=worker,
    )
    promise.refresh_from_db()
    assert promise.broken_at == promise.due_at
    assert "Bel terug" in worker.mails()
    assert SweepRun.objects.get(name="promises-broken").runs >= 1

    # the morning digest, published from here and run by the worker
    with broker(publish_broker, options):
        daily_digests_task.delay()
    digest = wait_for(lambda: Notification.objects.filter(kind="digest", status="sent").first(), worker=worker)
    assert digest.recipient == promise.owner
    assert digest.subject in worker.mails()

    # the Monday report to the manager, with its spreadsheet attached
    with broker(publish_broker, options):
        weekly_report_mails_task.delay()
    report = wait_for(lambda: Notification.objects.filter(kind="weekly_report", status="sent").first(), worker=worker)
    assert report.recipient.username == "maria"
    assert report.attachment_name in worker.mails()


def test_sweep_and_digest_on_a_real_worker_with_redis(tmp_path, redis_url, desk):
    worker = Worker(tmp_path, redis_url).start()
    try:
        _sees_the_sweep_and_the_digest(worker, desk, redis_url)
    finally:
        worker.stop()

    # the sweep ran many times meanwhile; each person was told once
    assert Notification.objects.filter(kind="promise_broken").count() == 2


def test_sweep_and_digest_on_the_embedded_filesystem_transport(tmp_path, desk):
    queue = tmp_path / "queue"
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    worker = Worker(tmp_path, "filesystem://", CELERY_QUEUE_DIR=str(queue)).start()  # settings put the rest beside it
    try:
        _sees_the_sweep_and_the_digest(worker, desk, "filesystem://", options)
    finally:
        worker.stop()

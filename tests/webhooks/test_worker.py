"""A contact.logged webhook end to end: logged in this process, delivered by a real Celery worker over Redis."""

import os

import pytest
from django.utils import timezone

from contactcare import roles
from contactcare.models import SweepRun, WebhookDelivery, WebhookEvent
from followups import services

from ..celery_utils import Worker, broker, redis_reachable, redis_test_url, wait_for
from ..factories import CustomerFactory, UserFactory
from .conftest import register, verify

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("allow_private")]
REDIS_URL = redis_test_url()


@pytest.fixture
def redis_url():
    if not redis_reachable(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL} (set CELERY_TEST_REDIS_URL or start redis-server)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # this run's db: no stale messages from an earlier run
    return REDIS_URL


def test_a_worker_delivers_a_logged_contact_signed_after_commit(tmp_path, redis_url, receiver):
    manager = UserFactory(username="mila", role=roles.MANAGER)
    _, secret = register(manager, receiver.url, events=[WebhookEvent.CONTACT_LOGGED])
    customer = CustomerFactory()
    # No beat: only the task published after the contact's commit can deliver it.
    worker = Worker(tmp_path, redis_url, WEBHOOK_ALLOW_PRIVATE="1").start_without_beat()
    try:
        with broker(redis_url):
            moment = services.contact_log(
                customer=customer, actor=manager, occurred_at=timezone.now(), channel="phone", summary="x"
            )
            wait_for(lambda: WebhookDelivery.objects.filter(status="sent").exists(), worker=worker)
    finally:
        worker.stop()

    (received,) = receiver.received
    assert verify(secret, received)
    assert received.json["event"] == "contact.logged"
    assert received.json["data"]["contact_id"] == moment.pk
    assert received.json["data"]["customer_id"] == customer.pk
    assert SweepRun.objects.get(name="webhooks-dispatch").runs >= 1

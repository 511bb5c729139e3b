"""Faults, with real processes: the broker goes down while people log contacts; a worker dies mid-sweep.

These tests start their own redis-server on a spare port (never the
machine's shared one) and their own Celery worker, against this test's
database.
"""

import os
import shutil
import subprocess
import time
from datetime import timedelta

import psycopg
import pytest
from django.urls import reverse
from django.utils import timezone

from contactcare.models import Notification
from followups.models import CheckIn, Promise
from followups.tasks import broken_promises_sweep_task, notifications_dispatch_task

from ..celery_utils import Worker, broker, database_url_for_workers, free_port, redis_reachable, wait_for
from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory
from ..forms import contact_log_data

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """A private redis-server on a spare port that a test may stop and start again."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: redis_reachable(self.url), timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for(lambda: not redis_reachable(self.url), timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    if not REDIS_SERVER:
        if os.environ.get("CI"):
            pytest.fail("CI needs redis-server (apt-get install redis-server)")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _log_contact(client, customer, colleague, summary):
    promise = {
        "description": f"Terugbellen: {summary}",
        "due_at": timezone.now() + timedelta(days=1),
        "owner": colleague,
    }
    return client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(summary=summary, outcome="follow_up", promises=[promise]),
        follow=True,
        headers={"Accept-Language": "en"},
    )


def test_redis_down_while_contacts_are_logged_loses_nothing_and_sends_once(
    client, tmp_path, redis_server, default_policy
):
    anna = UserFactory(username="anna")
    bram = UserFactory(username="bram", email="bram@example.com")
    TeamFactory(members=[anna, bram])
    customers = [CustomerFactory(full_name=f"Klant {i}") for i in range(4)]
    client.force_login(anna)
    (tmp_path / "worker").mkdir()
    worker = Worker(tmp_path / "worker", redis_server.url).start()
    try:
        with broker(redis_server.url):
            # Redis up: logged, and the worker e-mails Bram at once
            first = _log_contact(client, customers[0], bram, "voor de storing")
            wait_for(lambda: Notification.objects.filter(status="sent").count() == 1, worker=worker)

            # Redis down: people keep logging; no error page, everything saved
            redis_server.stop()
            during = [_log_contact(client, c, bram, f"tijdens de storing {i}") for i, c in enumerate(customers[1:])]
            assert all(r.status_code == 200 and "Contact logged." in r.content.decode() for r in [first, *during])
            assert Notification.objects.filter(status="pending").count() == 3

            # Redis back: the worker reconnects and the dispatch sweep delivers what waited
            redis_server.start()
            wait_for(lambda: Notification.objects.filter(status="sent").count() == 4, timeout=90, worker=worker)
            time.sleep(3)  # a few more sweeps: nothing is sent twice
    finally:
        worker.stop()

    assert all(c.contact_moments.count() == 1 for c in customers)
    # day 3 and week 6 of each contact, and a keep-informed check-in for each promise (issue 13)
    assert CheckIn.objects.count() == 12 and Promise.objects.count() == 4
    mails = worker.mails()
    for customer in customers:
        assert (  # as an e-mail's subject, or a line of the one e-mail that lists what waited
            mails.count(f"A promise to {customer.full_name} is yours")
            + mails.count(f"Een belofte aan {customer.full_name} is voor jou")
            == 1
        ), customer.full_name


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in ("postgres", "postgresql", "pgsql"),
    reason="pausing the sweep mid-transaction needs PostgreSQL's LOCK TABLE (runs in CI)",
)
def test_a_worker_killed_mid_sweep_loses_nothing_and_duplicates_nothing(tmp_path, redis_server):
    owner = UserFactory(username="owner", email="owner@example.com")
    lead = UserFactory(username="lead", email="lead@example.com")
    team = TeamFactory(members=[owner], lead=lead)
    promises = [
        PromiseFactory(
            moment=ContactMomentFactory(logged_by=owner, team=team), due_at=timezone.now() - timedelta(minutes=m)
        )
        for m in range(1, 6)
    ]
    database = database_url_for_workers()

    # Hold the notifications table so the sweep stops half-way: on PostgreSQL
    # marking and noticing are one statement, blocked on the notices' table.
    dsn = database.replace("postgres://", "postgresql://")
    with psycopg.connect(dsn) as blocker, psycopg.connect(dsn, autocommit=True) as observer:
        blocker.execute("LOCK TABLE followups_notification IN EXCLUSIVE MODE")
        worker = Worker(tmp_path, redis_server.url).start_without_beat()
        with broker(redis_server.url):
            broken_promises_sweep_task.delay()

        def sweep_is_waiting():  # asked outside the blocker's transaction, which sees a frozen snapshot
            row = observer.execute(  # a lock on the notices' table asked for and not granted: the sweep's
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "  # (its text may be
                "WHERE NOT l.granted AND c.relname = 'followups_notification'"  # past what pg_stat_activity keeps)
            ).fetchone()
            return row[0] > 0

        wait_for(sweep_is_waiting, worker=worker)
        worker.kill()  # SIGKILL, mid-transaction
        blocker.rollback()

    # Nothing of the half-done sweep was kept
    assert not Notification.objects.exists()

    # A new worker runs the sweep (twice, as beat would) and sends: the owner told once per promise, the lead
    # once for the five
    (tmp_path / "again").mkdir()
    worker = Worker(tmp_path / "again", redis_server.url).start_without_beat()
    try:
        with broker(redis_server.url):
            broken_promises_sweep_task.delay()
            broken_promises_sweep_task.delay()
            told = Notification.objects.filter(recipient=owner, key__startswith="promise:")
            wait_for(lambda: told.count() == len(promises), worker=worker)
            notifications_dispatch_task.delay()
            wait_for(lambda: Notification.objects.filter(status="sent").count() == len(promises) + 1, worker=worker)
    finally:
        worker.stop()
    assert Notification.objects.count() == len(promises) + 1
    assert Notification.objects.get(recipient=lead).subject.startswith(f"{len(promises)} ")
    assert worker.mails().count("Subject: ") == 2  # one e-mail to the owner listing all five, one to the lead

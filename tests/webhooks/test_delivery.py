"""Delivering webhooks (contactcare.webhooks.dispatch) to a real HTTP receiver: signed, retried, given up, once."""

import json
import os
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from contactcare import outbox, webhooks
from contactcare.models import WebhookDelivery, WebhookEvent
from followups import services

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, UserFactory
from .conftest import Receiver, register, verify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]
ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").split(":")[0] in ("postgres", "postgresql", "pgsql")


def _log(customer, user, summary="Vraag over de factuur van Jan de Vries, 06 12345678"):
    return services.contact_log(
        customer=customer, actor=user, occurred_at=timezone.now(), channel="phone", direction="in", summary=summary
    )


def test_a_receiver_verifies_the_signature_and_reads_ids_only(manager, receiver):
    _, secret = register(manager, receiver.url, events=[WebhookEvent.CONTACT_LOGGED])
    customer = CustomerFactory(full_name="Jan de Vries", phone="+31612345678", email="jan@example.com")
    moment = _log(customer, manager)

    sent = webhooks.dispatch(now=timezone.now())

    assert sent == 1
    (received,) = receiver.received
    assert verify(secret, received)
    assert not verify("whsec_another", received)
    assert received.headers["X-ContactCare-Event"] == "contact.logged"
    delivery = WebhookDelivery.objects.get()
    assert received.headers["X-ContactCare-Delivery"] == str(delivery.uuid)
    body = received.json
    assert body["event"] == "contact.logged" and body["id"] == str(delivery.uuid)
    assert body["data"] == {
        "contact_id": moment.pk,
        "channel": "phone",
        "direction": "in",
        "occurred_at": webhooks.timestamp(moment.occurred_at),
        "customer_id": customer.pk,
        "customer_number": customer.customer_number,
        "team_id": moment.team_id,
        "logged_by_id": manager.pk,
    }
    text = received.body.decode()
    for personal in ("Jan", "Vries", "612345678", "jan@example.com", "factuur"):
        assert personal not in text
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("sent", 1, 200)


def test_a_signature_older_than_five_minutes_is_refused_by_the_receiver(manager, receiver):
    _, secret = register(manager, receiver.url)
    _log(CustomerFactory(), manager)
    webhooks.dispatch(now=timezone.now())

    (received,) = receiver.received
    assert verify(secret, received)
    assert not verify(secret, received, now=time.time() + 301)  # a replay, later


def test_a_500_is_retried_with_the_outboxs_backoff_and_then_sent(manager, receiver):
    register(manager, receiver.url)
    receiver.answers = [500, 503]
    _log(CustomerFactory(), manager)
    now = timezone.now()

    assert webhooks.dispatch(now=now) == 0
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at == now + outbox.backoff(1)
    assert webhooks.dispatch(now=now + timedelta(seconds=30)) == 0  # not due yet: nothing is tried
    assert len(receiver.received) == 1

    assert webhooks.dispatch(now=now + outbox.backoff(1)) == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 2, 503)
    assert delivery.next_attempt_at == now + outbox.backoff(1) + outbox.backoff(2)

    assert webhooks.dispatch(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(receiver.received) == 3
    assert len({r.headers["X-ContactCare-Delivery"] for r in receiver.received}) == 1  # the same delivery


def test_connection_refused_is_retried_and_each_event_arrives_once_when_the_receiver_is_back(manager):
    receiver = Receiver()  # registered, but not listening yet
    _, secret = register(manager, receiver.url)
    moments = [_log(CustomerFactory(), manager) for _ in range(3)]
    now = timezone.now()

    assert webhooks.dispatch(now=now) == 0
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed", "pending"}
    # the first failure rests the endpoint: the two others were not tried (no attempt counted)
    assert sorted(WebhookDelivery.objects.values_list("attempts", flat=True)) == [0, 0, 1]
    assert WebhookDelivery.objects.get(attempts=1).last_error == "ConnectionRefusedError"

    receiver.start()
    try:
        later = now + timedelta(hours=2)
        assert webhooks.dispatch(now=later) == 3
        assert webhooks.dispatch(now=later + timedelta(hours=2)) == 0  # a replayed run sends nothing again
    finally:
        receiver.stop()
    assert sorted(r.json["data"]["contact_id"] for r in receiver.received) == sorted(m.pk for m in moments)
    assert all(verify(secret, r) for r in receiver.received)


def test_after_the_last_attempt_a_delivery_is_given_up(manager, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver = Receiver()  # never listens
    register(manager, receiver.url)
    _log(CustomerFactory(), manager)
    now = timezone.now()

    for _ in range(5):
        webhooks.dispatch(now=now)
        now += timedelta(hours=1)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("dead", 3, None)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(manager, receiver):
    register(manager, receiver.url)
    receiver.answers = [302]
    _log(CustomerFactory(), manager)

    webhooks.dispatch(now=timezone.now())

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.received) == 1


def test_emitting_the_same_event_again_delivers_it_once(manager, receiver):
    register(manager, receiver.url)
    moment = _log(CustomerFactory(), manager)
    from followups import webhook_events

    assert webhook_events.contact_logged(moment) == 0  # a replay of the same event: already written

    webhooks.dispatch(now=timezone.now())
    webhooks.dispatch(now=timezone.now())
    assert len(receiver.received) == 1


def test_a_failing_endpoint_does_not_hold_up_the_others(manager, receiver):
    register(manager, Receiver().url)  # refuses connections
    register(manager, receiver.url)
    for _ in range(3):
        _log(CustomerFactory(), manager)

    assert webhooks.dispatch(now=timezone.now()) == 3
    assert len(receiver.received) == 3
    failing = WebhookDelivery.objects.exclude(endpoint__url=receiver.url)
    assert sorted(failing.values_list("attempts", flat=True)) == [0, 0, 1]  # tried once in the run, then rested


def test_a_slow_endpoint_times_out_and_is_retried(manager, receiver, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    receiver.delay = 1.0
    register(manager, receiver.url)
    _log(CustomerFactory(), manager)

    started = time.monotonic()
    assert webhooks.dispatch(now=timezone.now()) == 0
    assert time.monotonic() - started < 1.0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_error in ("TimeoutError", "timeout")


def test_a_paused_endpoint_gets_nothing_new_and_what_waited_goes_on_resume(manager, receiver):
    endpoint, _ = register(manager, receiver.url)
    _log(CustomerFactory(), manager)
    webhooks.endpoint_set_active(endpoint=endpoint, actor=manager, active=False)
    _log(CustomerFactory(), manager)  # while paused: not recorded for it

    assert webhooks.dispatch(now=timezone.now()) == 0
    webhooks.endpoint_set_active(endpoint=endpoint, actor=manager, active=True)
    assert webhooks.dispatch(now=timezone.now()) == 1
    assert WebhookDelivery.objects.count() == 1


def test_retry_now_sends_a_given_up_delivery_again(manager, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    register(manager, receiver.url)
    receiver.answers = [500]
    _log(CustomerFactory(), manager)
    webhooks.dispatch(now=timezone.now())
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "dead"

    webhooks.delivery_retry(delivery=delivery, actor=manager)
    assert webhooks.dispatch(now=timezone.now()) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1


def test_a_delivery_claimed_by_a_worker_that_died_is_sent_later(manager, receiver):
    register(manager, receiver.url)
    _log(CustomerFactory(), manager)
    now = timezone.now()
    WebhookDelivery.objects.update(status="sending", claimed_at=now - outbox.STUCK_AFTER - timedelta(seconds=1))

    assert webhooks.dispatch(now=now) == 1
    assert len(receiver.received) == 1


@pytest.mark.skipif(not ON_POSTGRESQL, reason="two runs at once need PostgreSQL's row locks (runs in CI)")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_deliver_each_event_once(manager, receiver):
    register(manager, receiver.url)
    receiver.delay = 0.02  # the runs overlap
    customers = CustomerFactory.create_batch(30)
    for customer in customers:
        _log(customer, manager)
    now = timezone.now()
    results = []
    start = threading.Barrier(2)

    def run():
        start.wait()
        try:
            results.append(webhooks.dispatch(now=now, limit=5))
            while True:
                sent = webhooks.dispatch(now=now, limit=5)
                if not sent:
                    break
                results.append(sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 30
    ids = [r.headers["X-ContactCare-Delivery"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == 30
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_the_body_is_the_same_bytes_on_every_attempt(manager, receiver):
    register(manager, receiver.url)
    receiver.answers = [500]
    _log(CustomerFactory(), manager)
    now = timezone.now()
    webhooks.dispatch(now=now)
    webhooks.dispatch(now=now + timedelta(hours=1))

    first, second = receiver.received
    assert first.body == second.body
    assert json.loads(first.body)["occurred_at"].endswith("Z")


def test_a_slow_receiver_never_holds_up_the_e_mails(manager, receiver, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    receiver.delay = 3.0
    register(manager, receiver.url)
    owner = UserFactory(username="owner", email="owner@example.com")
    moment = ContactMomentFactory(logged_by=owner, team=None)
    PromiseFactory(moment=moment, team=None, due_at=timezone.now() - timedelta(minutes=5))
    services.promises_mark_broken(now=timezone.now())

    started = time.monotonic()
    assert outbox.dispatch(now=timezone.now()) == 1  # the e-mail dispatch is another task: no webhook in it
    assert time.monotonic() - started < 2
    assert len(mail.outbox) == 1 and receiver.received == []
    assert WebhookDelivery.objects.filter(event="promise.broken", status="pending").count() == 1


def test_both_delivery_sweeps_are_scheduled_and_their_tasks_registered(settings):
    from contactcare.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"contactcare.webhooks.dispatch_task", "followups.tasks.checkins_overdue_webhooks_task"} <= tasks
    app.loader.import_default_modules()
    assert {"contactcare.webhooks.dispatch_task", "followups.tasks.checkins_overdue_webhooks_task"} <= set(app.tasks)

"""Which events are written, once each, with ids only: the call sites in followups and the sweeps."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contactcare import webhooks
from contactcare.models import WebhookDelivery, WebhookEvent
from followups import services, sweeps, webhook_events
from followups.models import CheckIn, Promise
from followups.privacy import customer_erase

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory
from .conftest import register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]
URL = "http://127.0.0.1:9/hooks"  # never called in these tests


def _log(customer, user):
    return services.contact_log(
        customer=customer, actor=user, occurred_at=timezone.now(), channel="email", direction="out", summary="x"
    )


def test_an_endpoint_gets_only_the_events_it_subscribed_to(manager):
    kept_only, _ = register(manager, URL, events=[WebhookEvent.PROMISE_KEPT])
    everything, _ = register(manager, URL + "/all")
    moment = _log(CustomerFactory(), manager)
    promise = PromiseFactory(moment=moment)

    services.promise_keep(promise=promise, actor=manager)

    assert list(kept_only.deliveries.values_list("event", flat=True)) == ["promise.kept"]
    assert sorted(everything.deliveries.values_list("event", flat=True)) == ["contact.logged", "promise.kept"]


def test_a_contact_is_announced_once_and_not_at_all_when_its_transaction_rolls_back(manager):
    register(manager, URL)
    customer = CustomerFactory()
    moment = _log(customer, manager)
    with pytest.raises(RuntimeError), transaction.atomic():
        _log(customer, manager)
        raise RuntimeError

    assert list(WebhookDelivery.objects.values_list("event_key", flat=True)) == [f"contact.logged:{moment.pk}"]
    assert webhook_events.contact_logged(moment) == 0  # the same event again: nothing new


def test_a_kept_promise_says_when_and_carries_no_text(manager):
    register(manager, URL, events=[WebhookEvent.PROMISE_KEPT])
    promise = PromiseFactory(description="Jan de Vries terugbellen over 06 12345678")
    kept_at = timezone.now()

    services.promise_keep(promise=promise, actor=manager, now=kept_at)

    delivery = WebhookDelivery.objects.get()
    assert delivery.event_key == f"promise.kept:{promise.pk}"
    assert delivery.customer_id == promise.customer_id
    assert delivery.payload == {
        "promise_id": promise.pk,
        "kind": "promise",
        "status": "kept",
        "due_at": webhooks.timestamp(promise.due_at),
        "kept_at": webhooks.timestamp(kept_at),
        "broken_at": None,  # kept in time: it never broke
        "customer_id": promise.customer_id,
        "customer_number": promise.customer.customer_number,
        "contact_id": promise.moment_id,
        "team_id": promise.team_id,
        "owner_id": promise.owner_id,
    }
    assert "Vries" not in webhooks.body(delivery).decode()


def test_a_promise_kept_late_says_when_it_broke(manager):
    register(manager, URL, events=[WebhookEvent.PROMISE_KEPT])
    promise = PromiseFactory(due_at=timezone.now() - timedelta(hours=1))
    services.promises_mark_broken(now=timezone.now())

    services.promise_keep(promise=promise, actor=manager)

    assert WebhookDelivery.objects.get().payload["broken_at"] == webhooks.timestamp(promise.due_at)


def test_a_callback_without_customer_or_owner_is_announced_with_nulls_and_without_its_number(manager):
    register(manager, URL, events=[WebhookEvent.PROMISE_KEPT])
    team = TeamFactory(members=[manager])
    callback = Promise.objects.create(
        kind=Promise.Kind.CALLBACK,
        number="+31612345678",
        description="",
        team=team,
        due_at=timezone.now() + timedelta(hours=2),
        created_by=manager,
    )

    services.promise_keep(promise=callback, actor=manager)

    payload = WebhookDelivery.objects.get().payload
    assert payload["kind"] == "callback" and payload["team_id"] == team.pk
    assert payload["customer_id"] is payload["customer_number"] is payload["owner_id"] is payload["contact_id"] is None
    assert "612345678" not in str(payload)


def _broken(count: int, moment) -> None:
    due = timezone.now() - timedelta(minutes=5)
    Promise.objects.bulk_create(
        Promise(
            customer_id=moment.customer_id,
            moment=moment,
            description=f"Belofte {n}",
            owner_id=moment.logged_by_id,
            team_id=moment.team_id,
            due_at=due - timedelta(seconds=n),
            created_by_id=moment.logged_by_id,
            made_at=moment.occurred_at,
        )
        for n in range(count)
    )


def test_the_broken_promise_sweep_announces_a_thousand_in_the_same_queries_as_ten(manager):
    register(manager, URL, events=[WebhookEvent.PROMISE_BROKEN])
    register(manager, URL + "/2", events=[WebhookEvent.PROMISE_BROKEN, WebhookEvent.CONTACT_LOGGED])
    few, many = ContactMomentFactory(), ContactMomentFactory()
    _broken(10, few)
    with CaptureQueriesContext(connection) as ten:
        assert services.promises_mark_broken(now=timezone.now()) == 10
    _broken(1000, many)
    with CaptureQueriesContext(connection) as thousand:
        assert services.promises_mark_broken(now=timezone.now()) == 1000

    assert len(thousand) == len(ten)
    assert WebhookDelivery.objects.filter(event="promise.broken").count() == 2 * 1010
    assert services.promises_mark_broken(now=timezone.now()) == 0  # a second run: nothing more
    assert WebhookDelivery.objects.count() == 2 * 1010
    one = WebhookDelivery.objects.filter(customer_id=many.customer_id).first()
    assert one.payload["broken_at"] == one.payload["due_at"] and one.payload["status"] == "open"


def test_overdue_check_ins_are_announced_once_per_due_date(manager):
    register(manager, URL, events=[WebhookEvent.CHECKIN_OVERDUE])
    today = timezone.localdate()
    overdue = CheckInFactory(due_date=today - timedelta(days=1))
    CheckInFactory(due_date=today)  # due today: not overdue yet
    CheckInFactory(due_date=today - timedelta(days=30))  # overdue long ago: before the look-back
    CheckInFactory(due_date=today - timedelta(days=2), status=CheckIn.Status.SKIPPED, skip_reason="weg")

    assert sweeps.checkins_overdue_webhooks_sweep() == 1
    assert sweeps.checkins_overdue_webhooks_sweep() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_key == f"checkin.overdue:{overdue.pk}:{overdue.due_date.isoformat()}"
    assert delivery.payload["due_date"] == overdue.due_date.isoformat()
    assert delivery.payload["checkin_id"] == overdue.pk and delivery.payload["kind"] == overdue.kind

    # moved to another day that passes too: announced again
    CheckIn.objects.filter(pk=overdue.pk).update(due_date=today - timedelta(days=3))
    assert sweeps.checkins_overdue_webhooks_sweep() == 1


def test_erasing_a_customer_deletes_their_deliveries(manager):
    register(manager, URL)
    person, other = CustomerFactory(), CustomerFactory()
    _log(person, manager)
    _log(other, manager)

    customer_erase(customer=person, actor=manager, reason="AVG request 2026-118")

    assert list(WebhookDelivery.objects.values_list("customer_id", flat=True)) == [other.pk]


def test_no_endpoint_no_delivery_and_one_query(manager, django_assert_num_queries):
    moment = ContactMomentFactory()
    with django_assert_num_queries(1):
        assert webhook_events.contact_logged(moment) == 0
    assert not WebhookDelivery.objects.exists()

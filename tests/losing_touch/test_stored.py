"""Customer.last_contact_sentiment_end (issue 14): kept with last_contact_at, and filled by its migration."""

import importlib

import pytest
from django.db import connection

from contacts.models import Customer
from followups import services
from tests.factories import CustomerFactory

from .conftest import contact, local

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("contacts.migrations.0017_customer_last_contact_sentiment_backfill")


def test_logging_a_contact_stores_its_sentiment_at_the_end_on_the_customer(lead_user):
    customer = CustomerFactory()

    services.contact_log(customer=customer, actor=lead_user, summary="Boos over de factuur", sentiment_end=1)
    customer.refresh_from_db()
    first = customer.last_contact_sentiment_end
    services.contact_log(customer=customer, actor=lead_user, summary="Opgelost", sentiment_end=4)
    customer.refresh_from_db()

    assert (first, customer.last_contact_sentiment_end) == (1, 4)


def test_a_contact_typed_in_afterwards_leaves_the_newest_ones_sentiment(lead_user):
    customer = CustomerFactory()
    services.contact_log(customer=customer, actor=lead_user, summary="Tevreden", sentiment_end=5)

    services.contact_log(
        customer=customer, actor=lead_user, summary="Van vorige week", sentiment_end=1, occurred_at=local(5, 10)
    )

    customer.refresh_from_db()
    assert customer.last_contact_sentiment_end == 5


def test_the_migration_fills_it_from_the_newest_contact_that_was_not_deleted(lead_user):
    customers = [CustomerFactory() for _ in range(4)]
    contact(customers[0], when=local(3, 9), team=None, by=lead_user, sentiment_end=5)
    contact(customers[0], when=local(2, 9), team=None, by=lead_user, sentiment_end=2)
    deleted = contact(customers[1], when=local(2, 9), team=None, by=lead_user, sentiment_end=5)
    contact(customers[1], when=local(3, 9), team=None, by=lead_user, sentiment_end=1)
    contact(customers[2], when=local(2, 9), team=None, by=lead_user, sentiment_end=4)  # a tie: the higher id wins
    contact(customers[2], when=local(2, 9), team=None, by=lead_user, sentiment_end=3)
    deleted.deleted_at = deleted.occurred_at
    deleted.save(update_fields=["deleted_at"])
    Customer.objects.update(last_contact_sentiment_end=None)

    with connection.cursor() as cursor:
        cursor.execute(backfill.FORWARD)

    stored = dict(
        Customer.objects.filter(pk__in=[c.pk for c in customers]).values_list("pk", "last_contact_sentiment_end")
    )
    assert [stored[c.pk] for c in customers] == [2, 1, 3, None]

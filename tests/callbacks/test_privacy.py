"""Erase and export cover callbacks: the customer's, and those on the customer's number that found no customer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcare import roles
from followups.models import Promise
from followups.privacy import customer_erase, customer_export_data
from followups.services import callback_for_missed_call
from tests.factories import UserFactory

OTHER = "+31201234567"


@pytest.fixture
def manager(db):
    return UserFactory(username="cb-manager", role=roles.MANAGER)


def miss(team, actor, *, number, customer=None, ago=timedelta(minutes=5)):
    return callback_for_missed_call(
        team=team, number=number, customer=customer, person=None, missed_at=timezone.now() - ago, actor=actor
    )


@pytest.fixture
def callbacks(team, customer, system):
    return {
        "own": miss(team, system, number=customer.phone, customer=customer, ago=timedelta(days=3)),  # broken
        "by_number": miss(team.__class__.objects.create(name="Other desk"), system, number=customer.phone),
        "stranger": miss(team, system, number=OTHER),
    }


def test_the_export_holds_the_callbacks_on_the_customers_number(customer, callbacks):
    data = customer_export_data(customer=customer)
    exported = {row["id"] for row in data["promises"]}
    assert exported == {callbacks["own"].pk, callbacks["by_number"].pk}
    assert {row["number"] for row in data["promises"]} == {customer.phone}


def test_erase_removes_the_number_from_every_callback_of_the_person_and_their_history(customer, callbacks, manager):
    phone = customer.phone

    customer_erase(customer=customer, actor=manager, reason="AVG request 2026-201")

    for key in ("own", "by_number"):
        callback = Promise.objects.get(pk=callbacks[key].pk)
        assert callback.number == ""
        assert callback.customer_id == customer.pk  # the number-only one is theirs now, and anonymous
        assert not callback.history.filter(number=phone).exists()
    assert not Promise.objects.filter(number=phone).exists()
    assert not Promise.history.model.objects.filter(number=phone).exists()
    assert Promise.objects.get(pk=callbacks["stranger"].pk).number == OTHER  # someone else's call stays


def test_erase_closes_what_is_ahead_and_leaves_a_broken_one_for_the_report(customer, callbacks, manager):
    customer_erase(customer=customer, actor=manager, reason="AVG request 2026-201")

    assert Promise.objects.get(pk=callbacks["by_number"].pk).status == Promise.Status.CANCELLED  # due ahead
    assert Promise.objects.get(pk=callbacks["own"].pk).status == Promise.Status.OPEN  # already broken: counted


def test_a_second_erased_customers_broken_callback_in_the_same_team_does_not_collide(team, system, manager):
    from tests.factories import CustomerFactory

    first, second = CustomerFactory(phone="+31611111111"), CustomerFactory(phone="+31622222222")
    for person in (first, second):
        miss(team, system, number=person.phone, customer=person, ago=timedelta(days=3))
    customer_erase(customer=first, actor=manager, reason="AVG request 1")
    customer_erase(customer=second, actor=manager, reason="AVG request 2")  # two open callbacks, both without number

    assert Promise.objects.filter(team=team, number="", status=Promise.Status.OPEN).count() == 2

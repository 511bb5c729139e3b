"""A missed call becomes a promise: followups.services.callback_for_missed_call."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from followups.models import Promise
from followups.planning import business_hours_add, desk_opening_hours
from followups.services import callback_for_missed_call
from tests.factories import CustomerFactory, PromiseFactory, TeamFactory, UserFactory

NUMBER = "+31612345678"


def missed(**kwargs):
    defaults = {"number": NUMBER, "customer": None, "person": None, "missed_at": timezone.now() - timedelta(minutes=2)}
    return callback_for_missed_call(**{**defaults, **kwargs})


def test_a_missed_call_from_a_customer_becomes_a_call_back_due_two_business_hours_later(team, customer, system):
    when = timezone.now() - timedelta(minutes=2)

    callback = missed(team=team, customer=customer, missed_at=when, actor=system)

    callback.refresh_from_db()
    assert callback.kind == Promise.Kind.CALLBACK
    assert callback.status == Promise.Status.OPEN
    assert (callback.customer, callback.moment, callback.owner, callback.team) == (customer, None, None, team)
    assert callback.number == NUMBER
    assert callback.made_at == when
    assert callback.due_at == business_hours_add(when, Decimal("2"), country="NL", opening=desk_opening_hours())
    assert callback.missed_count == 1
    assert callback.history.get().history_user == system  # recorded with its actor


def test_the_business_hours_come_from_the_setting(team, customer, system, settings):
    settings.CALLBACK_BUSINESS_HOURS = 0.5
    when = timezone.now() - timedelta(minutes=2)
    callback = missed(team=team, customer=customer, missed_at=when, actor=system)
    assert callback.due_at == business_hours_add(when, Decimal("0.5"), country="NL", opening=desk_opening_hours())


@pytest.mark.parametrize("number", ["06 1234 5678", "0031612345678", "٠٦١٢٣٤٥٦٧٨"])
def test_an_unknown_number_gets_a_callback_without_customer(team, system, number):
    callback = missed(team=team, number=number, actor=system)
    assert callback.customer is None
    assert callback.number == NUMBER  # normalised, E.164, as the project reads numbers (unicode digits too)


def test_the_person_who_was_rung_owns_it_and_is_told(team, anna, customer, system):
    callback = missed(team=team, customer=customer, person=anna, actor=system)
    assert callback.owner == anna
    notice = anna.notifications.get()
    assert notice.kind == "promise_assigned"
    assert customer.full_name in notice.subject


def test_nobody_rung_or_someone_who_left_puts_it_in_the_team_queue(team, bram, system):
    bram.is_active = False
    bram.save()
    assert missed(team=team, person=bram, actor=system).owner is None


def test_a_second_missed_call_joins_the_open_callback(team, customer, anna, system):
    first = missed(team=team, customer=customer, actor=system)

    second = missed(team=team, customer=customer, person=anna, actor=anna)

    assert second.pk == first.pk
    assert Promise.objects.callbacks().count() == 1
    second.refresh_from_db()
    assert second.missed_count == 2
    latest = second.history.order_by("-history_date").first()
    assert (latest.history_change_reason, latest.history_user) == ("called again", anna)


def test_a_second_call_from_the_number_joins_even_once_the_customer_is_known(team, system):
    first = missed(team=team, actor=system)  # unknown then
    customer = CustomerFactory(phone=NUMBER)  # created from "Log now"

    second = missed(team=team, customer=customer, actor=system)

    assert second.pk == first.pk
    second.refresh_from_db()
    assert second.customer == customer  # the number found its customer


def test_another_team_has_its_own_callback(team, customer, system):
    other = TeamFactory()
    assert (
        missed(team=team, customer=customer, actor=system).pk != missed(team=other, customer=customer, actor=system).pk
    )


def test_a_kept_callback_does_not_take_a_new_missed_call(team, customer, system):
    first = missed(team=team, customer=customer, actor=system)
    Promise.objects.filter(pk=first.pk).update(status=Promise.Status.KEPT, kept_at=timezone.now())

    assert missed(team=team, customer=customer, actor=system).pk != first.pk


@pytest.mark.parametrize("number", ["", "anonymous", "12", "+31 6 12\x0045678"])
def test_nothing_to_call_back_is_refused(team, system, number):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        missed(team=team, number=number, actor=system)
    assert error.value.error_dict["number"][0].code == "no_number"
    assert not Promise.objects.exists()


def test_a_customer_without_a_usable_number_is_called_back_on_their_phone(team, system):
    customer = CustomerFactory(phone=NUMBER)
    assert missed(team=team, number="anonymous", customer=customer, actor=system).number == NUMBER


def test_a_call_without_a_team_or_from_the_future_is_refused(team, system):
    with pytest.raises(ValidationError):
        missed(team=None, actor=system)
    with pytest.raises(ValidationError):
        missed(team=team, missed_at=timezone.now() + timedelta(hours=1), actor=system)


def test_a_call_missed_long_ago_still_makes_its_callback_already_broken(team, system):
    callback = missed(team=team, missed_at=timezone.now() - timedelta(days=10), actor=system)
    assert callback.due_at < timezone.now()
    assert Promise.objects.broken(timezone.now()).filter(pk=callback.pk).exists()


def test_the_database_holds_one_open_callback_per_team_and_number(team, system):
    missed(team=team, actor=system)
    with pytest.raises(IntegrityError), transaction.atomic():
        PromiseFactory(
            kind=Promise.Kind.CALLBACK,
            customer=None,
            moment=None,
            owner=None,
            number=NUMBER,
            team=team,
            created_by=system,
            made_at=timezone.now(),
        )


def test_the_database_refuses_a_promise_without_customer_or_a_callback_without_anyone_to_call(team, system):
    with pytest.raises(IntegrityError), transaction.atomic():
        PromiseFactory(owner=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        PromiseFactory(
            kind=Promise.Kind.CALLBACK,
            customer=None,
            moment=None,
            owner=None,
            number="",
            team=team,
            created_by=system,
            made_at=timezone.now(),
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
def test_two_missed_calls_at_once_make_one_callback():
    lead = UserFactory(username="race-lead")
    team = TeamFactory(lead=lead)
    system = UserFactory(username="race-system")
    inside, results, errors = threading.Event(), [], []

    def miss(*, first):
        try:
            with transaction.atomic():
                if not first:
                    inside.wait(timeout=10)
                results.append(missed(team=team, actor=system).pk)
                if first:
                    inside.set()
                    time.sleep(0.4)  # its callback still uncommitted while the second call comes in
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=miss, kwargs={"first": i == 0}) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(set(results)) == 1
    callback = Promise.objects.get()
    assert callback.missed_count == 2


def test_the_description_is_in_the_desk_language(team, system):
    with translation.override("en"):
        callback = missed(team=team, actor=system)
    assert callback.description
    assert settings.LANGUAGE_CODE  # stored in the desk's language, like the notices


def test_the_followup_history_says_another_missed_call_joined(team, customer, anna, system):
    from followups.selectors import followup_history

    missed(team=team, customer=customer, actor=system)
    missed(team=team, customer=customer, actor=anna)

    events = [(change.event, change.who) for change in followup_history(customer=customer)]
    assert events[0] == ("called_again", anna)
    assert ("promised", system) in events

"""A callback that is logged keeps it; one not called back in time breaks like any promise, and is noticed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcare.models import Notification
from followups import services
from followups.models import Promise
from followups.services import callback_for_missed_call, promises_mark_broken
from tests.factories import CustomerFactory, TeamFactory

NUMBER = "+31612345678"


def log(customer, user, *, when, direction="out", channel="phone", **fields):
    return services.contact_log(
        customer=customer,
        actor=user,
        occurred_at=when,
        channel=channel,
        direction=direction,
        summary="Teruggebeld",
        **fields,
    )


def miss(team, customer, person, actor, *, ago=timedelta(days=3)):
    return callback_for_missed_call(
        team=team, number=NUMBER, customer=customer, person=person, missed_at=timezone.now() - ago, actor=actor
    )


@pytest.fixture
def callback(team, customer, system):
    return callback_for_missed_call(
        team=team,
        number=NUMBER,
        customer=customer,
        person=None,
        missed_at=timezone.now() - timedelta(days=3),
        actor=system,
    )


def test_an_outbound_phone_call_by_its_due_time_keeps_it_on_time(callback, customer, anna):
    log(customer, anna, when=callback.due_at, team=callback.team)

    callback.refresh_from_db()
    assert callback.status == Promise.Status.KEPT
    assert callback.kept_at == callback.due_at
    assert Promise.objects.kept_on_time().filter(pk=callback.pk).exists()
    assert callback.history.order_by("-history_date").first().history_user == anna


def test_one_minute_after_its_due_time_keeps_it_late(callback, customer, anna):
    log(customer, anna, when=callback.due_at + timedelta(minutes=1))

    callback.refresh_from_db()
    assert callback.status == Promise.Status.KEPT
    assert Promise.objects.kept_late().filter(pk=callback.pk).exists()


@pytest.mark.parametrize(("direction", "channel"), [("in", "phone"), ("out", "email")])
def test_other_contacts_do_not_keep_it(callback, customer, anna, direction, channel):
    log(customer, anna, when=timezone.now() - timedelta(minutes=5), direction=direction, channel=channel)
    callback.refresh_from_db()
    assert callback.status == Promise.Status.OPEN


def test_a_call_before_the_missed_call_does_not_keep_it(callback, customer, anna):
    log(customer, anna, when=callback.made_at - timedelta(minutes=1))
    callback.refresh_from_db()
    assert callback.status == Promise.Status.OPEN


def test_calling_back_an_unknown_number_once_it_is_a_customer_keeps_it_and_names_the_customer(team, system, anna):
    callback = callback_for_missed_call(
        team=team,
        number=NUMBER,
        customer=None,
        person=None,
        missed_at=timezone.now() - timedelta(hours=1),
        actor=system,
    )
    customer = CustomerFactory(phone=NUMBER)  # "Log now" → the new-customer form with the number

    log(customer, anna, when=timezone.now() - timedelta(minutes=1))

    callback.refresh_from_db()
    assert (callback.status, callback.customer) == (Promise.Status.KEPT, customer)


def test_another_customers_call_keeps_nothing(callback, anna):
    log(CustomerFactory(), anna, when=timezone.now() - timedelta(minutes=1))
    callback.refresh_from_db()
    assert callback.status == Promise.Status.OPEN


def test_it_is_kept_by_hand_like_any_promise(callback, anna):
    services.promise_keep(promise=callback, actor=anna)
    callback.refresh_from_db()
    assert callback.status == Promise.Status.KEPT


def test_the_sweep_breaks_a_queued_callback_and_tells_the_team_lead(team, customer, lead, system):
    callback = callback_for_missed_call(
        team=team, number=NUMBER, customer=customer, person=None, missed_at=timezone.now(), actor=system
    )
    assert not Notification.objects.filter(kind=Notification.Kind.PROMISE_BROKEN).exists()
    after = callback.due_at + timedelta(minutes=1)

    assert promises_mark_broken(now=after) == 1

    assert Promise.objects.broken(after).get() == callback
    notice = Notification.objects.get(kind=Notification.Kind.PROMISE_BROKEN)
    assert notice.recipient == lead
    assert "Fenna Bakker" in notice.subject
    assert notice.link == callback.customer.get_absolute_url()
    assert promises_mark_broken(now=after) == 0  # once


def test_a_callback_for_a_call_missed_long_ago_is_broken_when_made_and_told_at_once(callback, lead):
    notice = Notification.objects.get(kind=Notification.Kind.PROMISE_BROKEN)
    assert (notice.recipient, notice.key) == (lead, f"promise:{callback.pk}")
    assert callback.broken_at == callback.due_at
    assert promises_mark_broken(now=timezone.now()) == 0  # the sweep finds it told already


def test_the_sweep_tells_the_owner_and_the_lead_of_an_owned_callback(team, customer, anna, lead, system):
    callback_for_missed_call(
        team=team,
        number=NUMBER,
        customer=customer,
        person=anna,
        missed_at=timezone.now() - timedelta(days=3),
        actor=system,
    )
    promises_mark_broken(now=timezone.now())
    broken = Notification.objects.filter(kind=Notification.Kind.PROMISE_BROKEN)
    assert sorted(n.recipient.username for n in broken) == sorted([anna.username, lead.username])
    assert "Anna Desk" in broken.get(recipient=anna).body


def test_an_unknown_numbers_broken_callback_names_the_number_and_links_to_my_day(team, lead, system):
    miss(team, None, None, system, ago=timedelta(days=3))
    promises_mark_broken(now=timezone.now())
    notice = Notification.objects.get(kind=Notification.Kind.PROMISE_BROKEN)
    assert notice.recipient == lead
    assert NUMBER in notice.subject
    assert notice.link == reverse("followups:my-day")


def test_a_queued_callback_of_a_team_without_lead_tells_nobody_but_shows_broken(system, customer):
    team = TeamFactory(lead=None)
    callback = callback_for_missed_call(
        team=team,
        number=NUMBER,
        customer=customer,
        person=None,
        missed_at=timezone.now() - timedelta(days=3),
        actor=system,
    )
    assert promises_mark_broken(now=timezone.now()) == 0  # nobody to tell
    assert not Notification.objects.filter(kind=Notification.Kind.PROMISE_BROKEN).exists()
    assert Promise.objects.broken(timezone.now()).filter(pk=callback.pk).exists()


def test_a_call_back_typed_in_the_minute_of_the_missed_call_keeps_it(team, customer, anna, system):
    # the log form's time has minutes only: 10:15 for a call back at 10:15:40 after a call missed at 10:15:20
    callback = miss(team, customer, None, system, ago=timedelta(seconds=20))
    typed = callback.made_at.replace(second=0, microsecond=0)

    log(customer, anna, when=typed)

    callback.refresh_from_db()
    assert callback.status == Promise.Status.KEPT

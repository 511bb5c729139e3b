"""Keeping the customer informed while a promise is open (followups.keep_informed, issue 13).

Dates are fixed and hand-computed on the NL calendar (the desk's default:
an update every 3 business days).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from contactcare.services import system_user
from followups import keep_informed, services, sweeps
from followups.models import CheckIn, CheckInIs, Promise
from followups.privacy import customer_erase
from tests.factories import ContactMomentFactory, CustomerFactory, PromiseFactory

AMS = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def log(customer, user, *, when, channel="phone", direction="in", promises=(), team=None, **fields):
    return services.contact_log(
        customer=customer,
        actor=user,
        occurred_at=when,
        channel=channel,
        direction=direction,
        summary="Over de reparatie",
        team=team,
        promises=[
            {"description": text, "owner": user, "due_at": timezone.now() + timedelta(days=20)} for text in promises
        ],
        **fields,
    )


def updates(promise):
    return CheckIn.objects.filter(promise=promise, kind="update").order_by("pk")


@pytest.fixture
def promise(customer, anna, team):
    """A promise made on Friday 20 November 2026 at 10:00, due in the future."""
    log(customer, anna, when=at(2026, 11, 20, 10, 0), promises=["Stuur de reparatiedatum"], team=team)
    return Promise.objects.get(customer=customer, kind=Promise.Kind.PROMISE)


def test_a_promise_plans_its_first_update_three_business_days_after_it_was_made(promise, anna, team):
    checkin = updates(promise).get()
    # Friday 20 November + 3 business days: Monday 23, Tuesday 24, Wednesday 25
    assert (checkin.kind, checkin.status, checkin.due_date) == ("update", CheckIn.Status.OPEN, date(2026, 11, 25))
    assert (checkin.assignee, checkin.team, checkin.origin, checkin.customer) == (
        anna,
        team,
        promise.moment,
        promise.customer,
    )
    with translation.override("nl"):
        assert checkin.kind_label == "op de hoogte houden"
    row = checkin.history.get()
    assert (row.history_type, row.history_user) == ("+", anna)


def test_an_update_on_any_channel_completes_it_and_plans_the_next_three_business_days_after_it(promise, customer, bram):
    update = log(customer, bram, when=at(2026, 11, 24, 11, 0), channel="email", direction="out")  # Tuesday

    first, second = updates(promise)
    assert (first.status, first.done_moment, first.done_date) == (CheckIn.Status.DONE, update, date(2026, 11, 24))
    assert CheckIn.objects.done_on_time().filter(pk=first.pk).exists()
    # Tuesday 24 November + 3 business days: Wednesday 25, Thursday 26, Friday 27
    assert (second.status, second.due_date) == (CheckIn.Status.OPEN, date(2026, 11, 27))


def test_an_update_after_the_due_date_is_done_late(promise, customer, anna):
    log(customer, anna, when=at(2026, 11, 26, 9, 0), direction="out")  # Thursday; it was due Wednesday

    first, second = updates(promise)
    assert CheckIn.objects.done_late().filter(pk=first.pk).exists()
    assert second.due_date == date(2026, 12, 1)  # Thursday 26 + 3: Friday 27, Monday 30, Tuesday 1 December


def test_inbound_contacts_are_no_update(promise, customer, anna):
    log(customer, anna, when=at(2026, 11, 24, 11, 0), channel="phone", direction="in")
    assert list(updates(promise).values_list("status", flat=True)) == [CheckIn.Status.OPEN]


def test_keeping_the_promise_stops_the_updates(promise, customer, anna):
    log(customer, anna, when=at(2026, 11, 24, 11, 0), direction="out")  # one update; the next is planned

    services.promise_keep(promise=promise, actor=anna)
    log(customer, anna, when=timezone.now() - timedelta(minutes=2), direction="out")
    keep_informed.updates_plan(promises=Promise.objects.all(), actor=anna, now=timezone.now())

    assert list(updates(promise).values_list("status", flat=True)) == [CheckIn.Status.DONE, CheckIn.Status.SUPERSEDED]
    superseded = updates(promise).last()
    assert superseded.history.order_by("-history_date").first().history_change_reason == "superseded"


def test_cancelling_the_promise_stops_the_updates(promise, anna):
    services.promise_cancel(promise=promise, reason="Klant heeft het zelf opgelost", actor=anna)
    sweeps.keep_informed_sweep()

    assert list(updates(promise).values_list("status", flat=True)) == [CheckIn.Status.SUPERSEDED]


def test_skipping_an_update_ends_the_series_for_that_promise(promise, customer, anna):
    services.checkin_skip(checkin=updates(promise).get(), reason="Klant wil niet gebeld worden", actor=anna)

    log(customer, anna, when=timezone.now() - timedelta(minutes=2), direction="in")
    sweeps.keep_informed_sweep()

    assert list(updates(promise).values_list("status", flat=True)) == [CheckIn.Status.SKIPPED]


def test_call_now_for_the_update_completes_it(promise, customer, anna):
    checkin = updates(promise).get()

    log(customer, anna, when=at(2026, 11, 25, 9, 30), direction="out", checkin=checkin)

    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.DONE
    assert updates(promise).last().due_date == date(2026, 11, 30)  # Wednesday 25 + 3: Thu 26, Fri 27, Mon 30


def test_switched_off_plans_nothing(customer, anna, lead, team):
    services.desk_settings_save(actor=lead, opening_hours="", reply_terms={}, keep_informed_days=0)

    log(customer, anna, when=at(2026, 11, 20, 10, 0), promises=["Stuur de offerte"], team=team)

    assert not CheckIn.objects.filter(kind="update").exists()


def test_the_cadence_is_the_managers(customer, anna, lead, team):
    services.desk_settings_save(actor=lead, opening_hours="", reply_terms={}, keep_informed_days=5)

    log(customer, anna, when=at(2026, 11, 20, 10, 0), promises=["Stuur de offerte"], team=team)

    assert CheckIn.objects.get(kind="update").due_date == date(2026, 11, 27)  # Friday + 5 business days


def test_a_reply_by_promise_is_kept_informed_too_and_the_reply_closes_its_update(customer, anna, team):
    log(customer, anna, when=at(2026, 11, 20, 10, 0), channel="letter", team=team)  # due Friday 27 November
    reply = Promise.objects.get(kind=Promise.Kind.REPLY)
    assert updates(reply).get().due_date == date(2026, 11, 25)

    log(customer, anna, when=at(2026, 11, 24, 10, 0), channel="email", direction="out")

    reply.refresh_from_db()
    assert reply.status == Promise.Status.KEPT
    # kept before the update was due: no update was needed; closed at the reply's time, nothing planned after
    assert list(updates(reply).values_list("status", "closed_at")) == [
        (CheckIn.Status.SUPERSEDED, at(2026, 11, 24, 10, 0))
    ]
    assert not CheckIn.objects.filter(CheckInIs.update_needed(), promise=reply).exists()


def test_a_reply_after_the_update_was_due_closes_it_as_a_missed_update(customer, anna, team):
    log(customer, anna, when=at(2026, 11, 20, 10, 0), channel="letter", team=team)  # update due Wednesday 25
    reply = Promise.objects.get(kind=Promise.Kind.REPLY)

    log(customer, anna, when=at(2026, 11, 26, 10, 0), channel="email", direction="out")  # Thursday

    assert CheckIn.objects.filter(CheckInIs.update_needed(), promise=reply).exclude(CheckInIs.done_on_time()).exists()


def test_an_owner_who_left_leaves_the_update_in_the_teams_queue(promise, anna):
    updates(promise).update(status=CheckIn.Status.DONE, done_date=date(2026, 11, 24))
    anna.is_active = False
    anna.save(update_fields=["is_active"])

    keep_informed.updates_plan(promises=Promise.objects.all(), actor=system_user(), now=timezone.now())

    assert updates(promise).last().assignee is None


def test_the_database_holds_one_open_update_per_promise(promise):
    first = updates(promise).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            customer=first.customer, origin=first.origin, promise=promise, kind="update", due_date=date(2026, 12, 1)
        )


def test_an_update_needs_its_promise(promise):
    first = updates(promise).get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(customer=first.customer, origin=first.origin, kind="update", due_date=date(2026, 12, 1))


def test_two_promises_of_one_customer_each_get_one_and_one_update_completes_both(customer, anna, team):
    log(customer, anna, when=at(2026, 11, 20, 10, 0), promises=["Offerte", "Reparatiedatum"], team=team)
    update = log(customer, anna, when=at(2026, 11, 23, 10, 0), direction="out")

    done = CheckIn.objects.filter(kind="update", status=CheckIn.Status.DONE)
    assert done.count() == 2 and set(done.values_list("done_moment", flat=True)) == {update.pk}
    assert CheckIn.objects.filter(kind="update", status=CheckIn.Status.OPEN).count() == 2


# --- The sweep: promises without one -------------------------------------------------


def test_the_sweep_plans_an_update_for_a_promise_without_one_counted_from_its_day(customer, anna):
    moment = ContactMomentFactory(customer=customer, logged_by=anna, occurred_at=at(2026, 11, 16, 10, 0))  # Monday
    promise = PromiseFactory(moment=moment)

    assert sweeps.keep_informed_sweep() == 1
    assert sweeps.keep_informed_sweep() == 0  # once

    checkin = updates(promise).get()
    assert checkin.due_date == date(2026, 11, 19)  # Monday 16 + 3: Tue 17, Wed 18, Thu 19 (overdue: a catch-up)
    assert checkin.history.get().history_user == system_user()


def test_the_sweep_counts_from_the_last_update_to_the_customer(customer, anna):
    moment = ContactMomentFactory(customer=customer, logged_by=anna, occurred_at=at(2026, 11, 16, 10, 0))
    promise = PromiseFactory(moment=moment)
    ContactMomentFactory(customer=customer, logged_by=anna, direction="out", occurred_at=at(2026, 11, 19, 15, 0))
    ContactMomentFactory(customer=customer, logged_by=anna, direction="in", occurred_at=at(2026, 11, 20, 15, 0))

    sweeps.keep_informed_sweep()

    assert updates(promise).get().due_date == date(2026, 11, 24)  # Thursday 19 + 3: Fri 20, Mon 23, Tue 24


def test_the_sweep_runs_the_same_queries_for_one_or_thirty_promises(anna):
    def plant(count):
        for _ in range(count):
            moment = ContactMomentFactory(customer=CustomerFactory(), logged_by=anna)
            PromiseFactory(moment=moment)

    sweeps.keep_informed_sweep()  # the first run writes its sweep record and the system user
    plant(1)
    with CaptureQueriesContext(connection) as one:
        sweeps.keep_informed_sweep()
    plant(30)
    with CaptureQueriesContext(connection) as thirty:
        planned = sweeps.keep_informed_sweep()

    assert planned == 30
    assert len(one.captured_queries) == len(thirty.captured_queries)


def test_nobody_is_asked_to_call_an_erased_customer(customer, anna, lead):
    moment = ContactMomentFactory(customer=customer, logged_by=anna, occurred_at=at(2026, 11, 16, 10, 0))
    promise = PromiseFactory(moment=moment, due_at=timezone.now() - timedelta(days=1))  # broken: stays open
    customer_erase(customer=customer, actor=lead, reason="Verzoek 2026-118")

    sweeps.keep_informed_sweep()

    assert not updates(promise).exists()


def test_the_sweep_records_its_run(customer, anna):
    from followups.models import SweepRun

    sweeps.keep_informed_sweep()

    assert SweepRun.objects.filter(name=sweeps.KEEP_INFORMED).exists()

"""Merging two customers who are one person (issue 10): everything moves to the survivor, nothing is lost."""

import threading
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from contactcare import roles
from contactcare.services import AlreadySubmitted, submission_key_new
from contacts.models import ContactMoment, Customer, CustomerDetail, CustomerMerge
from contacts.services import customer_create, customer_detail_add, customer_update
from followups import notifications
from followups.merge import customers_merge
from followups.models import CheckIn, Notification, Promise
from followups.privacy import customer_erase
from followups.services import contact_log

from ..factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerFactory,
    UserFactory,
)
from ..reports.conftest import NOW, W45, at, week  # noqa: F401 - the hand-counted week, as a fixture

ALL_FROM_SURVIVOR: dict = {}


@dataclass
class Pair:
    survivor: Customer
    absorbed: Customer
    lead: object
    desk: object


@pytest.fixture
def pair(db, default_policy):
    """The same person twice, each with a contact, a promise, check-ins and details; both built by the services."""
    desk = UserFactory(username="desk", role=roles.STAFF)
    lead = UserFactory(username="lead", role=roles.TEAM_LEAD)
    survivor = customer_create(actor=desk, full_name="Joke de Wit", phone="06 11112222", email="joke@voorbeeld.nl")
    absorbed = customer_create(actor=desk, full_name="Joke de Witt", phone="06 33334444", email="")
    customer_update(customer=absorbed, actor=desk, preferred_address="Mevrouw De Wit")
    for customer, minutes in ((survivor, 50), (absorbed, 20)):
        contact_log(
            customer=customer,
            actor=desk,
            occurred_at=timezone.now() - timedelta(minutes=minutes),
            summary="Vroeg naar de factuur",
            promises=[{"description": "Terugbellen", "owner": desk, "due_at": timezone.now() + timedelta(days=2)}],
        )
    customer_detail_add(customer=survivor, actor=desk, text="Heeft een hond")
    customer_detail_add(customer=absorbed, actor=desk, text="heeft een hond")  # the same detail, other case
    customer_detail_add(customer=absorbed, actor=desk, text="Liever 's ochtends")
    return Pair(survivor, absorbed, lead, desk)


def _merge(pair: Pair, **values):
    return customers_merge(survivor=pair.survivor, absorbed=pair.absorbed, values=values, actor=pair.lead)


# --- The service ----------------------------------------------------------------


def test_everything_moves_to_the_survivor(pair):
    absorbed_contacts = set(ContactMoment.objects.filter(customer=pair.absorbed).values_list("pk", flat=True))
    absorbed_promises = set(Promise.objects.filter(customer=pair.absorbed).values_list("pk", flat=True))

    record = _merge(pair)

    assert ContactMoment.objects.filter(customer=pair.survivor).count() == 2
    assert absorbed_contacts <= set(ContactMoment.objects.filter(customer=pair.survivor).values_list("pk", flat=True))
    assert absorbed_promises <= set(Promise.objects.filter(customer=pair.survivor).values_list("pk", flat=True))
    assert not ContactMoment.objects.filter(customer=pair.absorbed).exists()
    assert not CheckIn.objects.filter(customer=pair.absorbed).exists()
    assert not Promise.objects.filter(customer=pair.absorbed).exists()
    assert sorted(CustomerDetail.objects.filter(customer=pair.survivor).values_list("text", flat=True)) == [
        "Heeft een hond",
        "Liever 's ochtends",
    ]
    for model in (ContactMoment, CheckIn, Promise):  # the history moved along
        assert not model.history.model.objects.filter(customer_id=pair.absorbed.pk).exists()
    assert record.moved == {
        "contacts": 1,
        "details": 1,
        "checkins": 2,
        "promises": 1,
        "superseded_checkins": 2,
        "notifications": 0,
    }
    survivor = Customer.objects.get(pk=pair.survivor.pk)
    newest = ContactMoment.objects.filter(customer=survivor).order_by("-occurred_at").first()
    assert survivor.last_contact_at == newest.occurred_at


def test_the_absorbed_row_stays_as_a_pointer_without_personal_data(pair):
    number = pair.absorbed.customer_number

    _merge(pair)

    absorbed = Customer.objects.get(pk=pair.absorbed.pk)
    assert absorbed.merged_into_id == pair.survivor.pk
    assert absorbed.customer_number == number  # the old number keeps finding the survivor
    assert (absorbed.preferred_address, absorbed.phone, absorbed.email, absorbed.search_name) == ("", "", "", "")
    assert pair.survivor.customer_number in absorbed.full_name and "Witt" not in absorbed.full_name
    assert absorbed.last_contact_at is None
    assert absorbed.history.first().history_change_reason == "merged"
    assert absorbed.history.first().history_user == pair.lead


def test_the_merge_is_recorded_with_sides_never_values(pair):
    record = _merge(pair, phone="absorbed", preferred_address="absorbed")

    assert (record.survivor, record.absorbed, record.actor) == (pair.survivor, pair.absorbed, pair.lead)
    assert record.sources == {
        "customer_number": "survivor",
        "full_name": "survivor",
        "preferred_address": "absorbed",
        "phone": "absorbed",
        "email": "survivor",
        "language": "survivor",
    }
    survivor = Customer.objects.get(pk=pair.survivor.pk)
    assert (survivor.phone, survivor.preferred_address, survivor.email) == (
        "+31633334444",
        "Mevrouw De Wit",
        "joke@voorbeeld.nl",
    )
    last = survivor.history.first()
    assert (last.history_change_reason, last.history_user, last.phone) == ("merged", pair.lead, "+31633334444")


def test_open_check_ins_ahead_collapse_into_the_newest(pair):
    _merge(pair)

    for kind in ("3d", "6w"):
        rows = list(CheckIn.objects.filter(customer=pair.survivor, kind=kind).order_by("due_date", "pk"))
        assert len(rows) == 2
        older, newest = rows
        assert newest.status == CheckIn.Status.OPEN
        assert (older.status, older.superseded_by_id) == (CheckIn.Status.SUPERSEDED, newest.pk)
        assert older.closed_at is not None
        assert older.history.first().history_change_reason == "superseded"


def _pair_with_checkins(pair, *, survivor_due: date, absorbed_due: date):
    CheckIn.objects.all().delete()
    for customer, due in ((pair.survivor, survivor_due), (pair.absorbed, absorbed_due)):
        origin = ContactMoment.objects.filter(customer=customer).first()
        CheckInFactory(origin=origin, kind="3d", due_date=due)


def test_an_overdue_check_in_stays_open_and_the_one_ahead_gives_way(pair):
    today = timezone.localdate()
    _pair_with_checkins(pair, survivor_due=today - timedelta(days=2), absorbed_due=today + timedelta(days=3))

    _merge(pair)

    overdue = CheckIn.objects.get(customer=pair.survivor, due_date=today - timedelta(days=2))
    ahead = CheckIn.objects.get(customer=pair.survivor, due_date=today + timedelta(days=3))
    assert overdue.status == CheckIn.Status.OPEN
    assert (ahead.status, ahead.superseded_by_id) == (CheckIn.Status.SUPERSEDED, overdue.pk)


def test_two_overdue_check_ins_of_a_kind_are_refused_and_nothing_changes(pair):
    today = timezone.localdate()
    _pair_with_checkins(pair, survivor_due=today - timedelta(days=2), absorbed_due=today - timedelta(days=1))

    with pytest.raises(ValidationError, match="overdue check-in") as refused:
        _merge(pair)

    assert refused.value.code == "overdue_twice"
    assert CheckIn.objects.open().count() == 2
    assert ContactMoment.objects.filter(customer=pair.absorbed).count() == 1
    assert Customer.objects.get(pk=pair.absorbed.pk).merged_into_id is None
    assert not CustomerMerge.objects.exists()


def test_deleted_contacts_and_closed_items_move_too(pair):
    moment = ContactMomentFactory(customer=pair.absorbed, deleted_at=timezone.now(), logged_by=pair.desk)

    _merge(pair)

    moment.refresh_from_db()
    assert moment.customer_id == pair.survivor.pk


def test_notifications_about_the_absorbed_customer_point_at_the_survivor(pair):
    promise = Promise.objects.filter(customer=pair.absorbed).first()
    other = UserFactory(username="colleague")
    promise.owner = other
    notifications.promise_assigned(promise=promise)
    assert Notification.objects.filter(link=pair.absorbed.get_absolute_url()).count() == 1

    record = _merge(pair)

    assert record.moved["notifications"] == 1
    assert Notification.objects.filter(link=pair.survivor.get_absolute_url()).count() == 1


@pytest.mark.parametrize("problem", ["itself", "merged", "erased"])
def test_what_cannot_be_merged_is_refused(pair, problem):
    manager = UserFactory(username="boss", role=roles.MANAGER)
    if problem == "itself":
        pair.absorbed = pair.survivor
        expected = "itself"
    elif problem == "merged":
        third = CustomerFactory()
        customers_merge(survivor=third, absorbed=pair.absorbed, values={}, actor=pair.lead)
        expected = "already been merged"
    else:
        customer_erase(customer=pair.absorbed, actor=manager, reason="AVG 1")
        expected = "erased"

    with pytest.raises(ValidationError, match=expected):
        _merge(pair)

    assert not CustomerMerge.objects.filter(survivor=pair.survivor).exists()


def test_a_value_that_breaks_the_customer_rules_is_refused_on_its_field(pair):
    Customer.objects.filter(pk=pair.absorbed.pk).update(phone="12")  # an odd number stored before the rules
    pair.absorbed.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        _merge(pair, phone="absorbed")

    assert "phone" in refused.value.error_dict
    assert Customer.objects.get(pk=pair.survivor.pk).phone == "+31611112222"
    assert ContactMoment.objects.filter(customer=pair.absorbed).count() == 1


def test_a_second_merge_of_the_same_form_lands_on_the_first(pair):
    key = submission_key_new()
    record = customers_merge(
        survivor=pair.survivor, absorbed=pair.absorbed, values={}, actor=pair.lead, submission_key=key
    )

    with pytest.raises(AlreadySubmitted) as repeat:
        customers_merge(survivor=pair.survivor, absorbed=pair.absorbed, values={}, actor=pair.lead, submission_key=key)

    assert repeat.value.target == record
    assert CustomerMerge.objects.count() == 1


def test_merging_into_a_customer_that_absorbed_others_keeps_one_hop(pair):
    third = CustomerFactory()
    _merge(pair)

    customers_merge(survivor=third, absorbed=pair.survivor, values={}, actor=pair.lead)

    assert Customer.objects.get(pk=pair.absorbed.pk).merged_into_id == third.pk
    assert ContactMoment.objects.filter(customer=third).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_leads_merging_the_same_pair_at_once_one_wins_cleanly(default_policy):
    desk = UserFactory(username="desk")
    leads = [UserFactory(username=f"lead{i}", role=roles.TEAM_LEAD) for i in range(2)]
    first, second = CustomerFactory(), CustomerFactory()
    for customer in (first, second):
        ContactMomentFactory(customer=customer, logged_by=desk)
    barrier, outcomes = threading.Barrier(2), []

    def merge_as(lead, survivor, absorbed):
        try:
            barrier.wait()
            customers_merge(survivor=survivor, absorbed=absorbed, values={}, actor=lead)
            outcomes.append("done")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=merge_as, args=(leads[0], first, second)),
        threading.Thread(target=merge_as, args=(leads[1], second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["done", "merged"]
    record = CustomerMerge.objects.get()
    assert ContactMoment.objects.filter(customer=record.survivor).count() == 2
    assert Customer.objects.filter(merged_into__isnull=False).count() == 1

"""Merging two customers who are one person (issue 10): everything moves to the survivor, nothing is lost."""

import re
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contactcare import roles
from contactcare.services import AlreadySubmitted, submission_key_new
from contacts.models import ContactMoment, Customer, CustomerDetail, CustomerMerge
from contacts.services import customer_create, customer_detail_add, customer_update
from followups import notifications
from followups.customer_list import CustomerFilters, customer_list
from followups.merge import customers_merge, customers_merge_preview
from followups.models import CheckIn, Notification, Promise
from followups.privacy import customer_erase, customer_export_data
from followups.services import contact_log
from reports.selectors import report_tables

from ..factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerDetailFactory,
    CustomerFactory,
    PromiseFactory,
    UserFactory,
)
from ..reports.conftest import NOW, W45, week  # noqa: F401 - the hand-counted week, as a fixture
from .test_privacy import _text_values, person  # noqa: F401 - the privacy tests' person, as a fixture


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are matched in English; pages ask for their language per request."""
    with translation.override("en"):
        yield


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
        "checkins": 3,  # day 3, week 6 and the keep-informed check-in of its promise (issue 13)
        "promises": 1,
        "superseded_checkins": 2,
        "notifications": 0,
        "handovers": 0,
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


# --- Reports and privacy ------------------------------------------------------------


def _reports(teams) -> list:
    """Every figure of every weekly report around the hand-counted week (the origin contacts' week to week 46)."""
    weeks = [W45.previous().previous(), W45.previous(), W45, W45.following()]
    return [report_tables(week=one, now=NOW, teams=teams) for one in weeks]


def _origin_customer(due: date) -> Customer:
    return CheckIn.objects.get(due_date=due).customer


@pytest.mark.parametrize("c2_survives", [True, False])
def test_the_hand_counted_week_keeps_every_figure_when_contacts_are_weeks_apart(db, week, c2_survives):  # noqa: F811
    # c2's contacts are on 8 and 9 November; the customer of the overdue check-in was contacted on 20 October
    north, south, _ = week
    lead = UserFactory(username="boss", role=roles.TEAM_LEAD)
    c2 = list(Customer.objects.order_by("pk"))[1]
    other = _origin_customer(date(2026, 11, 4))
    survivor, absorbed = (c2, other) if c2_survives else (other, c2)
    before = _reports([north, south])

    customers_merge(survivor=survivor, absorbed=absorbed, values={"phone": "absorbed"}, actor=lead)

    assert _reports([north, south]) == before
    assert ContactMoment.objects.filter(customer=survivor).count() == 3
    assert CheckIn.objects.get(due_date=date(2026, 11, 4)).status == CheckIn.Status.OPEN  # overdue: stays open


def test_the_hand_counted_week_keeps_every_figure_when_contacts_are_days_apart(db, week):  # noqa: F811
    # c3's inbound contact of 3 November and c2's of 8 November are five days apart: one customer now. The
    # repeat flag was decided when each was logged and moves with it (a read-time count would find a new repeat).
    north, south, _ = week
    lead = UserFactory(username="boss", role=roles.TEAM_LEAD)
    c2, c3 = list(Customer.objects.order_by("pk"))[1:3]
    before = _reports([north, south])

    customers_merge(survivor=c3, absorbed=c2, values={}, actor=lead)

    assert _reports([north, south]) == before


@pytest.fixture
def merged_person(person):  # noqa: F811
    """The privacy test's person, merged into a duplicate of hers that has data of its own."""
    desk = UserFactory(username="desk")
    survivor = customer_create(
        actor=desk, full_name="Mina Quastenburg", phone="06 2345 6789", email="mina.q@voorbeeld.nl"
    )
    contact_log(
        customer=survivor, actor=desk, occurred_at=timezone.now() - timedelta(minutes=1), summary="Adreswijziging"
    )
    customer_detail_add(customer=survivor, actor=desk, text="Werkt bij de bakker op de hoek")
    lead = UserFactory(username="lead", role=roles.TEAM_LEAD)
    customers_merge(survivor=survivor, absorbed=person, values={"phone": "absorbed"}, actor=lead)
    return survivor


def test_erasing_the_survivor_erases_the_person_merged_into_it_everywhere(merged_person):
    from .test_privacy import DETAIL, E164, EMAIL, NAME, TYPED_PHONE

    manager = UserFactory(username="boss", role=roles.MANAGER)
    searched = [NAME, "Zonneveld", TYPED_PHONE, E164, EMAIL, DETAIL, "Quastenburg", "mina.q@voorbeeld.nl", "06 2345"]
    searched += ["+31623456789", "bakker op de hoek"]
    found_before = {s for _, value in _text_values() for s in searched if s.casefold() in value.casefold()}
    assert found_before >= {NAME, E164, EMAIL, DETAIL, "Quastenburg", "+31623456789"}

    customer_erase(customer=merged_person, actor=manager, reason="AVG request 2026-120")

    found = [(table, s) for table, value in _text_values() for s in searched if s.casefold() in value.casefold()]
    assert found == []
    absorbed = Customer.objects.get(merged_into=merged_person)
    assert absorbed.customer_number == f"ERASED-{absorbed.pk}"


def test_a_merged_customer_is_erased_through_its_survivor(merged_person):
    manager = UserFactory(username="boss", role=roles.MANAGER)
    absorbed = Customer.objects.get(merged_into=merged_person)

    with pytest.raises(ValidationError, match="merged into another"):
        customer_erase(customer=absorbed, actor=manager, reason="AVG request")


def test_the_export_holds_the_customers_merged_into_it_and_their_history(merged_person):
    from .test_privacy import EMAIL, NAME

    data = customer_export_data(customer=merged_person)

    assert [row["merged_into_id"] for row in data["merged_customers"]] == [merged_person.pk]
    assert NAME in {row["full_name"] for row in data["history"]["merged_customers"]}
    assert EMAIL in {row["email"] for row in data["history"]["merged_customers"]}
    assert len(data["contacts"]) == 2 and len(data["details"]) == 2


# --- Screens ------------------------------------------------------------------------


def _pick_url(customer):
    return reverse("followups:customer-merge", args=[customer.pk])


def _compare_url(this, other):
    return reverse("followups:customer-merge-compare", args=[this.pk, other.pk])


def _form(client, this, other, **choices) -> dict:
    """The side-by-side form as a browser posts it: its hidden key and checked radios, then `choices`."""
    html = client.get(_compare_url(this, other)).content.decode()
    data = {"submission_key": re.search(r'name="submission_key" value="([^"]+)"', html).group(1)}
    for name, value in re.findall(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*checked', html):
        data[name] = value
    return data | choices


@pytest.mark.parametrize("role", ["staff", "lead", "manager", "anonymous"])
def test_merging_is_for_team_leads_and_managers(client, pair, role):
    user = {
        "staff": pair.desk,
        "lead": pair.lead,
        "manager": UserFactory(username="boss", role=roles.MANAGER),
    }.get(role)
    if user:
        client.force_login(user)
    allowed = role in {"lead", "manager"}

    pick = client.get(_pick_url(pair.survivor))
    compare = client.get(_compare_url(pair.survivor, pair.absorbed))
    post = client.post(_compare_url(pair.survivor, pair.absorbed), {"customer_number": "this"})

    if role == "anonymous":
        assert all(r.status_code == 302 and "/login/" in r["Location"] for r in (pick, compare, post))
    else:
        assert (pick.status_code, compare.status_code) == ((200, 200) if allowed else (403, 403))
        assert post.status_code == (200 if allowed else 403)  # the post lacks the other fields: a form error
        page = client.get(pair.survivor.get_absolute_url(), headers={"Accept-Language": "en"}).content.decode()
        assert ("Merge with…" in page) is allowed
        assert (_pick_url(pair.survivor) in page) is allowed
    assert not CustomerMerge.objects.exists()


def test_a_lead_picks_the_duplicate_compares_and_merges(client, pair, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(pair.lead)
    pick = client.get(_pick_url(pair.survivor), {"q": pair.absorbed.customer_number}).content.decode()
    assert _compare_url(pair.survivor, pair.absorbed) in pick

    compare = unescape(client.get(_compare_url(pair.survivor, pair.absorbed)).content.decode())
    assert "06 11112222" in compare and "06 33334444" in compare
    response = client.post(
        _compare_url(pair.survivor, pair.absorbed),
        _form(client, pair.survivor, pair.absorbed, phone="other"),
        follow=True,
    )

    assert response.redirect_chain[-1][0] == pair.survivor.get_absolute_url()
    assert f"{pair.absorbed.customer_number} was merged into this customer." in unescape(response.content.decode())
    assert Customer.objects.get(pk=pair.survivor.pk).phone == "+31633334444"
    old = client.get(pair.absorbed.get_absolute_url(), follow=True)
    assert old.redirect_chain == [(pair.survivor.get_absolute_url(), 302)]
    assert "was merged into this customer" in old.content.decode()
    history = client.get(reverse("contacts:customer-history", args=[pair.survivor.pk])).content.decode()
    assert f"Merged from {pair.absorbed.customer_number}" in history


def test_choosing_the_other_number_keeps_the_other_row(client, pair):
    client.force_login(pair.lead)

    client.post(
        _compare_url(pair.survivor, pair.absorbed), _form(client, pair.survivor, pair.absorbed, customer_number="other")
    )

    assert Customer.objects.get(pk=pair.survivor.pk).merged_into_id == pair.absorbed.pk
    assert ContactMoment.objects.filter(customer=pair.absorbed).count() == 2


def test_a_double_click_merges_once_and_lands_on_the_survivor(client, pair):
    client.force_login(pair.lead)
    data = _form(client, pair.survivor, pair.absorbed)
    url = _compare_url(pair.survivor, pair.absorbed)

    client.post(url, data)
    again = client.post(url, data, follow=True, headers={"Accept-Language": "en"})

    assert again.redirect_chain[-1][0] == pair.survivor.get_absolute_url()
    assert "already merged" in again.content.decode()
    assert CustomerMerge.objects.count() == 1


def test_a_second_lead_with_the_page_open_gets_a_clear_error(client, pair):
    client.force_login(pair.lead)
    data = _form(client, pair.survivor, pair.absorbed)
    customers_merge(survivor=pair.survivor, absorbed=pair.absorbed, values={}, actor=pair.desk)

    response = client.post(_compare_url(pair.survivor, pair.absorbed), data, headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert "has already been merged" in unescape(response.content.decode())
    assert CustomerMerge.objects.count() == 1


def test_two_overdue_check_ins_are_explained_before_confirming(client, pair):
    today = timezone.localdate()
    _pair_with_checkins(pair, survivor_due=today - timedelta(days=2), absorbed_due=today - timedelta(days=1))
    client.force_login(pair.lead)

    page = client.get(_compare_url(pair.survivor, pair.absorbed), headers={"Accept-Language": "en"})

    html = unescape(page.content.decode())
    assert "overdue check-in" in html and "merge-problem" in html
    assert '<button type="submit" class="btn btn-primary">' not in html


def test_pages_of_a_merged_customer_lead_to_the_survivor_and_act_on_nothing(client, pair):
    _merge(pair)
    client.force_login(pair.lead)
    old, new = pair.absorbed.pk, pair.survivor.pk

    for name in ("contacts:customer-update", "contacts:customer-history", "followups:contact-log"):
        response = client.get(reverse(name, args=[old]))
        assert (response.status_code, response["Location"]) == (302, reverse(name, args=[new])), name
    logged = client.post(reverse("followups:contact-log", args=[old]), {"summary": "x"})
    added = client.post(reverse("contacts:customer-detail-add", args=[old]), {"text": "Nieuw detail"})

    assert logged["Location"] == added["Location"] == pair.survivor.get_absolute_url()
    assert not ContactMoment.objects.filter(customer_id=old).exists()
    assert not CustomerDetail.objects.filter(text="Nieuw detail").exists()
    assert client.get(_pick_url(pair.absorbed))["Location"] == pair.survivor.get_absolute_url()


def test_a_merged_customer_is_left_out_of_the_customer_list(pair):
    _merge(pair)

    page = customer_list(filters=CustomerFilters())

    assert pair.absorbed.pk not in {c.pk for c in page.customers}
    assert pair.survivor.pk in {c.pk for c in page.customers}


def test_the_side_by_side_page_reads_a_constant_number_of_queries(client, pair, django_assert_max_num_queries):
    client.force_login(pair.lead)
    url = _compare_url(pair.survivor, pair.absorbed)
    client.get(url)  # permissions cached like on any later page
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(5):
        moment = ContactMomentFactory(customer=pair.absorbed, logged_by=pair.desk)
        PromiseFactory(moment=moment)
        CustomerDetailFactory(customer=pair.absorbed, text=f"Detail {moment.pk}")
    with django_assert_max_num_queries(14) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_preview_says_which_check_ins_stay(pair):
    preview = customers_merge_preview(first=pair.survivor, second=pair.absorbed)

    assert preview.problem == ""
    assert {group.kept.customer_id for group in preview.collapse} == {pair.absorbed.pk}
    assert preview.default_survivor == pair.survivor
    assert preview.counts[pair.absorbed.pk].contacts == 1


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300))
def test_the_pick_page_answers_any_search_without_a_server_error(client, pair, query):
    client.force_login(pair.lead)

    response = client.get(_pick_url(pair.survivor), {"q": query}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code in {200, 400}
    if len(query) > 200 and "\x00" not in query:
        assert "at most 200 characters" in response.content.decode()


def test_correcting_a_contact_to_the_old_number_moves_it_to_the_survivor(client, pair):
    from .test_correct import correct_data

    _merge(pair)
    moment = ContactMomentFactory(customer=CustomerFactory(), logged_by=pair.lead)
    client.force_login(pair.lead)

    client.post(
        reverse("followups:contact-correct", args=[moment.pk]),
        correct_data(moment, customer=pair.absorbed.customer_number.lower()),
    )

    moment.refresh_from_db()
    assert moment.customer_id == pair.survivor.pk


def test_a_log_form_opened_before_the_merge_saves_nothing_on_the_old_row(pair):
    stale = Customer.objects.get(pk=pair.absorbed.pk)  # what the log view read before the merge committed
    _merge(pair)

    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="merged into another one meanwhile") as refused,
    ):
        contact_log(customer=stale, actor=pair.desk, summary="Belde terug")

    assert refused.value.code == "merged"
    assert not ContactMoment.objects.filter(customer_id=stale.pk).exists()


def test_a_merged_customer_cannot_be_changed_anywhere_not_even_in_the_admin(client, pair):
    _merge(pair)
    absorbed = Customer.objects.get(pk=pair.absorbed.pk)
    kept = (absorbed.full_name, absorbed.phone, absorbed.history.count())
    with pytest.raises(ValidationError):
        customer_update(customer=absorbed, actor=pair.lead, full_name="Weer terug")

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:contacts_customer_change", args=[absorbed.pk])
    data = {
        "full_name": "Weer terug",
        "preferred_address": "",
        "customer_number": absorbed.customer_number,
        "phone": "",
        "email": "",
        "language": "nl",
        "details-TOTAL_FORMS": "0",
        "details-INITIAL_FORMS": "0",
        "details-MIN_NUM_FORMS": "0",
        "details-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "merged into another customer" in response.content.decode()
    absorbed.refresh_from_db()
    assert (absorbed.full_name, absorbed.phone, absorbed.history.count()) == kept

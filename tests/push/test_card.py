"""The card's read (`cti.pop.screen_pop_card`) and its template: bounded queries, the shared-number list, merges."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cti import pop
from cti.models import Call
from tests.factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerDetailFactory,
    CustomerFactory,
    PromiseFactory,
    UserFactory,
)

from .conftest import NUMBER, ring

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def team_of_two(db):  # the same people as the socket tests, without committing them
    from contactcare import roles
    from tests.factories import TeamFactory

    lead = UserFactory(username="lotte", role=roles.TEAM_LEAD)
    sanne = UserFactory(username="sanne", first_name="Sanne", last_name="Staff")
    team = TeamFactory(name="Service", lead=lead, members=[sanne])
    return {"team": team, "lead": lead, "sanne": sanne}


def card_queries(call, user) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        card = pop.screen_pop_card(call.pk, user)
        html = render_to_string("cti/_screen_pop.html", {"card": card})
    return len(queries), html


def add_history(customer, user, numbers):
    for number in numbers:
        moment = ContactMomentFactory(customer=customer, logged_by=user, summary=f"Contact {number}")
        PromiseFactory(moment=moment, description=f"Promise {number}")
        CheckInFactory(origin=moment, kind=f"{number + 1}w")  # one open check-in per kind
        CustomerDetailFactory(customer=customer, text=f"Detail {number}", is_pinned=True)


def test_the_card_costs_the_same_queries_however_much_the_caller_has(team_of_two, line):
    sanne = team_of_two["sanne"]
    customer = CustomerFactory(phone=NUMBER)
    add_history(customer, sanne, [0])
    call = ring(line)
    sanne = type(sanne).objects.get(pk=sanne.pk)  # permissions not cached yet, as in a fresh socket
    few, html = card_queries(call, sanne)
    assert "Promise 0" in html

    add_history(customer, team_of_two["lead"], range(1, 7))
    sanne = type(sanne).objects.get(pk=sanne.pk)
    many, html = card_queries(call, sanne)

    assert "Promise 6" in html and "Detail 6" in html
    assert many == few <= 12


def test_a_number_many_customers_share_lists_ten_and_links_to_the_search(team_of_two, line):
    for number in range(12):
        CustomerFactory(full_name=f"Klant {number:02d}", phone=NUMBER)
    merged_into = CustomerFactory(full_name="Survivor", phone="+31699999999")
    CustomerFactory(full_name="Merged away", phone=NUMBER, merged_into=merged_into)

    card = pop.screen_pop_card(ring(line).pk, team_of_two["sanne"])

    assert card.kind == "shared" and card.more_callers
    assert [c.customer.full_name for c in card.callers] == [f"Klant {n:02d}" for n in range(10)]
    assert card.search_url == "/customers/search/?q=%2B31612345678"


def test_the_customer_the_endpoint_matched_is_shown_even_after_their_phone_changed(team_of_two, line):
    customer = CustomerFactory(full_name="Anna de Vries", phone=NUMBER)
    call = ring(line)
    customer.phone = "+31699999999"
    customer.save()

    card = pop.screen_pop_card(call.pk, team_of_two["sanne"])

    assert card.kind == "known" and card.caller.customer == customer


def test_a_merged_caller_is_not_offered(team_of_two, line):
    survivor = CustomerFactory(full_name="Survivor", phone="+31699999999")
    customer = CustomerFactory(full_name="Anna de Vries", phone=NUMBER)
    call = ring(line)
    Customer = type(customer)
    Customer.objects.filter(pk=customer.pk).update(merged_into=survivor, phone="")

    card = pop.screen_pop_card(call.pk, team_of_two["sanne"])

    assert card.kind == "unknown" and card.callers == []


def test_an_outbound_call_prefills_an_outbound_contact(team_of_two, line):
    customer = CustomerFactory(phone=NUMBER)
    call = ring(line)
    Call.objects.filter(pk=call.pk).update(direction=Call.Direction.OUTBOUND)
    call.refresh_from_db()

    assert "direction=out" in pop.call_log_url(call=call, customer=customer)


def test_no_card_for_a_call_that_does_not_exist_or_a_user_signed_out(team_of_two, line):
    from django.contrib.auth.models import AnonymousUser

    call = ring(line)

    assert pop.screen_pop_card(call.pk + 1000, team_of_two["sanne"]) is None
    assert pop.screen_pop_card(call.pk, AnonymousUser()) is None
    assert pop.screen_pop_card(call.pk, team_of_two["lead"]) is not None

"""A contact logged for a call is linked to it; erasing a customer erases their calls."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contactcare import roles
from cti.models import Call
from cti.services import call_event, calls_export_for
from followups import privacy, services
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
DATA = {"from": "0612345678", "to": "+31201234567", "direction": "in", "callId": "c1", "user[]": ["sanne"]}


def log(customer, actor, call_id, team=None):
    return services.contact_log(
        customer=customer,
        actor=actor,
        call_id=call_id,
        channel="phone",
        direction="in",
        occurred_at=timezone.now() - timedelta(minutes=1),
        summary="Asked about the invoice",
        outcome="resolved",
        team=team,
    )


def test_a_contact_logged_for_a_call_is_linked_to_it(line, default_policy, django_capture_on_commit_callbacks):
    customer = CustomerFactory(phone="+31612345678")
    call = call_event(line=line, event="newCall", data=DATA)
    sanne = line.team.members.get(username="sanne")

    with django_capture_on_commit_callbacks(execute=True):
        moment = log(customer, sanne, call.pk, team=line.team)

    call.refresh_from_db()
    assert call.moment == moment


def test_a_new_customer_for_an_unknown_number_is_linked_too(line, default_policy, django_capture_on_commit_callbacks):
    call = call_event(line=line, event="newCall", data=DATA)
    assert call.customer is None
    customer = CustomerFactory(phone="+31612345678")  # made from "New customer" with the number prefilled

    with django_capture_on_commit_callbacks(execute=True):
        moment = log(customer, line.team.members.get(username="sanne"), call.pk)

    call.refresh_from_db()
    assert (call.moment, call.customer) == (moment, customer)


def test_another_customer_or_another_teams_call_is_not_linked(line, default_policy, django_capture_on_commit_callbacks):
    CustomerFactory(phone="+31612345678")
    call = call_event(line=line, event="newCall", data=DATA)
    stranger = UserFactory(username="stranger", role=roles.STAFF)
    TeamFactory(name="Other", members=[stranger])

    with django_capture_on_commit_callbacks(execute=True):
        log(CustomerFactory(phone="+31699999999"), line.team.members.get(username="sanne"), call.pk)
        log(call.customer, stranger, call.pk)
        log(call.customer, stranger, 99999999)

    call.refresh_from_db()
    assert call.moment is None


def test_erasing_a_customer_erases_their_calls(line, manager_user):
    customer = CustomerFactory(phone="+31612345678")
    call_event(line=line, event="newCall", data=DATA)
    call_event(line=line, event="hangup", data={**DATA, "cause": "noAnswer"})
    call_event(line=line, event="newCall", data={**DATA, "callId": "other", "from": "0687654321"})
    assert len(calls_export_for(customer)) == 1

    privacy.customer_erase(customer=customer, actor=manager_user, reason="Request 42")

    assert list(Call.objects.values_list("call_id", flat=True)) == ["other"]
    assert not Call.objects.filter(caller_number="+31612345678").exists()


def test_the_privacy_export_lists_the_customers_calls(line):
    customer = CustomerFactory(phone="+31612345678")
    call_event(line=line, event="newCall", data=DATA)
    call_event(line=line, event="newCall", data={**DATA, "callId": "other", "from": "0687654321"})

    data = privacy.customer_export_data(customer=customer)

    assert [c["number"] for c in data["calls"]] == ["+31612345678"]
    assert data["calls"][0]["state"] == "ringing"

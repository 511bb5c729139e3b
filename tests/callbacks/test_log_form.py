"""The log form opened for a call: ?call=&channel=&direction=&at= prefill it (each checked by the form, a bad
value ignored, never a 500), and the contact_logged signal hands the call on once the contact is saved."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from contacts.models import ContactMoment
from followups.signals import contact_logged
from tests.forms import contact_log_data

EN = {"Accept-Language": "en"}
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def desk(client, anna, team):
    client.force_login(anna)
    return client


def form_for(client, customer, **params):
    response = client.get(reverse("followups:contact-log", args=[customer.pk]), params, headers=EN)
    assert response.status_code == 200
    return response.context["form"], response.content.decode()


def test_a_call_prefills_channel_direction_and_time_and_carries_the_call(desk, customer):
    form, html = form_for(desk, customer, call="41", channel="phone", direction="out", at="2026-11-25T10:15:42+00:00")

    assert form.initial["call"] == 41
    assert (form.initial["channel"], form.initial["direction"]) == ("phone", "out")
    assert form.initial["occurred_at"] == datetime(2026, 11, 25, 11, 15, tzinfo=AMS)  # shown in the desk's time
    assert 'name="call" value="41"' in html
    assert 'value="2026-11-25T11:15"' in html


def test_a_local_time_without_offset_is_read_in_the_desk_time_zone(desk, customer):
    form, _ = form_for(desk, customer, at="2026-11-25T10:15")
    assert form.initial["occurred_at"] == datetime(2026, 11, 25, 10, 15, tzinfo=AMS)


@pytest.mark.parametrize(
    "params",
    [
        {"call": "abc"},
        {"call": "0"},
        {"call": "-3"},
        {"call": "99999999999999999999999"},
        {"channel": "fax"},
        {"direction": "sideways"},
        {"at": "tomorrow"},
        {"at": "9999-12-31T23:59:59-14:00"},
        {"at": "0001-01-01T00:00:00+14:00"},
        {"at": "２０２６-11-25T10:15"},
        {"at": "2026-02-30T10:00"},
        {"at": "x" * 5000},
        {"channel": "<script>", "direction": "' OR 1=1", "at": "\u202e2026-11-25"},
    ],
)
def test_a_bad_value_is_ignored_never_a_500(desk, customer, params):
    form, html = form_for(desk, customer, **params)

    assert "call" not in form.initial
    assert form.initial["channel"] in ContactMoment.Channel.values
    assert form.initial["direction"] == "in"  # the default: the customer contacted us
    assert "&lt;script&gt;" not in html and "OR 1=1" not in html  # an ignored value is not echoed


def test_unicode_digits_in_the_call_id_read_as_the_project_reads_every_id(desk, customer):
    form, _ = form_for(desk, customer, call="４１")  # contactcare.forms.IdField, as for ?checkin=
    assert form.initial["call"] == 41


def test_log_now_on_a_callback_opens_an_outbound_phone_call(desk, customer):
    form, _ = form_for(desk, customer, direction="out", channel="phone")
    assert (form.initial["channel"], form.initial["direction"]) == ("phone", "out")
    assert "call" not in form.initial


def test_saving_sends_contact_logged_with_the_call_after_commit(
    desk, customer, anna, team, django_capture_on_commit_callbacks
):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    contact_logged.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = desk.post(
                reverse("followups:contact-log", args=[customer.pk]), contact_log_data(call="41", team=str(team.pk))
            )
            assert response.status_code == 302
            assert received == []  # not before the commit
        for callback in callbacks:
            callback()
    finally:
        contact_logged.disconnect(receiver)

    moment = ContactMoment.objects.get(customer=customer)
    assert len(received) == 1
    assert (received[0]["moment"], received[0]["actor"], received[0]["call_id"]) == (moment, anna, 41)


def test_a_contact_not_for_a_call_says_so(desk, customer, team, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs["call_id"])

    contact_logged.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            desk.post(reverse("followups:contact-log", args=[customer.pk]), contact_log_data(team=str(team.pk)))
    finally:
        contact_logged.disconnect(receiver)
    assert received == [None]


def test_a_tampered_call_id_is_a_form_error_not_a_500(desk, customer, team):
    response = desk.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(call="99999999999999999999999", team=str(team.pk)),
        headers=EN,
    )
    assert response.status_code == 200
    assert not ContactMoment.objects.filter(customer=customer).exists()


def test_the_new_customer_form_takes_the_number_of_a_call(desk):
    response = desk.get(reverse("contacts:customer-create"), {"phone": "+31201234567"}, headers=EN)
    assert response.context["form"].initial["phone"] == "020 123 4567"
    hostile = desk.get(reverse("contacts:customer-create"), {"phone": "<b>" + "9" * 5000}, headers=EN)
    assert hostile.status_code == 200
    assert "phone" not in hostile.context["form"].initial

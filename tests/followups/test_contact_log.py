from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactMoment
from followups.models import Promise

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, TeamFactory, TopicFactory
from ..forms import contact_log_data

pytestmark = pytest.mark.django_db


def test_staff_logs_a_contact_and_it_tops_the_timeline(staff_client, staff_user):
    customer = CustomerFactory()
    ContactMomentFactory(customer=customer, occurred_at=timezone.now() - timedelta(days=3))
    team = TeamFactory(members=[staff_user])
    topic = TopicFactory(name="Factuur")

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(topic=topic.pk, team=team.pk, sentiment_start="2", sentiment_end="4"),
        follow=True,
        headers={"Accept-Language": "en"},
    )

    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert "Contact logged." in response.content.decode()
    top = response.context["timeline"].object_list[0]
    assert top.summary == "Vraag over de factuur van oktober"
    assert top.logged_by == staff_user
    assert (top.team, top.topic, top.fully_helped) == (team, topic, True)
    assert (top.sentiment_start, top.sentiment_end) == (2, 4)


def test_after_a_call_now_an_ordinary_log_form_says_the_customer_called_by_phone(staff_client, staff_user):
    # given: the user's last contact was an outbound "Call now"
    customer = CustomerFactory()
    checkin = CheckInFactory(origin=ContactMomentFactory(customer=customer, logged_by=staff_user))
    staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(channel="phone", direction="out", checkin=checkin.pk),
    )

    # when: the next contact is logged from the customer page (or a search)
    response = staff_client.get(reverse("followups:contact-log", args=[customer.pk]), headers={"Accept-Language": "en"})

    # then: the customer contacted us, and the page says so next to the summary
    form = response.context["form"]
    assert (form.initial["channel"], form.initial["direction"]) == ("phone", "in")
    assert "Phone · Inbound: the customer contacted us" in response.content.decode()


def test_the_ordinary_form_keeps_the_channel_of_the_last_inbound_contact(staff_client):
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])
    staff_client.post(url, contact_log_data(channel="email", direction="in"))
    staff_client.post(url, contact_log_data(channel="letter", direction="out"))

    form = staff_client.get(url).context["form"]

    assert (form.initial["channel"], form.initial["direction"]) == ("email", "in")


def test_call_now_is_an_outbound_call_even_when_the_check_in_was_closed_meanwhile(staff_client, staff_user):
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])
    staff_client.post(url, contact_log_data(channel="email", direction="in"))
    closed = CheckInFactory(
        origin=ContactMomentFactory(customer=customer, logged_by=staff_user), status="skipped", closed_at=timezone.now()
    )

    response = staff_client.get(f"{url}?checkin={closed.pk}", headers={"Accept-Language": "en"})

    form = response.context["form"]
    assert (form.initial["channel"], form.initial["direction"]) == ("phone", "out")
    assert "Phone · Outbound: we contacted the customer" in response.content.decode()


def test_a_failed_save_does_not_put_the_cursor_back_on_topic(staff_client):
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])
    assert (
        "autofocus" in staff_client.get(url).context["form"].fields["topic"].widget.attrs
    )  # a fresh form starts there

    response = staff_client.post(url, contact_log_data(summary=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_summary"' in html and "is-invalid" in html
    assert "autofocus" not in html  # app.js puts the cursor on the first field in error


def test_a_promise_due_time_can_be_typed_in_dutch(staff_client, staff_user):
    customer = CustomerFactory()
    tomorrow = timezone.localdate() + timedelta(days=1)

    staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(promises=[{"description": "Bel terug", "due_at": "morgen 10:00", "owner": staff_user}]),
    )

    promise = Promise.objects.get()
    assert timezone.localtime(promise.due_at).replace(tzinfo=None) == datetime.combine(tomorrow, time(10, 0))


def test_a_due_time_that_is_no_date_is_an_error_next_to_it(staff_client, staff_user):
    customer = CustomerFactory()

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(promises=[{"description": "Bel terug", "due_at": "na de vakantie", "owner": staff_user}]),
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    assert "Type a date such as 25-11 14:00" in str(response.context["promises"][0].errors["due_at"])
    assert 'value="na de vakantie"' in response.content.decode()  # what was typed stays
    assert not ContactMoment.objects.exists()


def test_the_due_quick_picks_are_computed_on_the_server(staff_client):
    customer = CustomerFactory()

    response = staff_client.get(reverse("followups:contact-log", args=[customer.pk]), headers={"Accept-Language": "en"})

    picks = {pick.key: pick for pick in response.context["due_picks"]}
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert picks["tomorrow"].text == f"{tomorrow:%d-%m-%Y} 09:00"
    html = response.content.decode()
    assert f'data-due-pick="{picks["tomorrow"].text}"' in html
    assert f'data-due-pick="{picks["business3"].text}"' in html
    assert html.count("data-due-pick=") == 4  # in the <template> Alt+P copies for each new promise


def test_the_log_form_defaults_to_the_users_team(staff_client, staff_user):
    team = TeamFactory(members=[staff_user])
    TeamFactory()  # a team the user is not in is not offered
    customer = CustomerFactory()

    form = staff_client.get(reverse("followups:contact-log", args=[customer.pk])).context["form"]

    assert form.initial["team"] == team.pk
    assert list(form.fields["team"].queryset) == [team]


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("summary", "   ", "This field is required."),
        ("summary", "x" * 2001, "at most 2000 characters"),
        ("occurred_at", "2099-01-01T10:00", "cannot be in the future"),
        ("occurred_at", "yesterday", "Enter a valid date/time."),
        ("sentiment_start", "9", "Select a valid choice."),
    ],
)
def test_bad_input_is_a_form_error_next_to_the_field_and_nothing_is_lost(staff_client, field, value, message):
    customer = CustomerFactory()
    data = contact_log_data(**{field: value})

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]), data, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not ContactMoment.objects.exists()
    if field != "summary":
        assert "Vraag over de factuur van oktober" in response.content.decode()  # what was typed stays


def test_the_log_page_is_refused_for_an_unknown_customer(staff_client):
    assert staff_client.get(reverse("followups:contact-log", args=[999999])).status_code == 404

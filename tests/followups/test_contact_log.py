from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactMoment

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, TopicFactory
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


def test_channel_and_direction_are_preselected_from_the_last_choice(staff_client):
    customer = CustomerFactory()
    staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]), contact_log_data(channel="email", direction="out")
    )

    form = staff_client.get(reverse("followups:contact-log", args=[customer.pk])).context["form"]

    assert form.initial["channel"] == "email"
    assert form.initial["direction"] == "out"


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

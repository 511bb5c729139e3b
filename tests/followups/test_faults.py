"""Faults the desk must not notice: the broker down while contacts are logged."""

import logging
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactMoment
from followups import sweeps
from followups.models import CheckIn, Notification, Promise

from ..celery_utils import broker, free_port
from ..factories import CustomerFactory, TeamFactory, UserFactory
from ..forms import contact_log_data


@pytest.mark.django_db(transaction=True)
def test_logging_with_the_broker_unreachable_saves_everything_and_shows_no_error(client, caplog, default_policy):
    anna, bram = UserFactory(username="anna"), UserFactory(username="bram", email="bram@example.com")
    TeamFactory(members=[anna, bram])
    customer = CustomerFactory(full_name="Johanna Vermeulen")
    client.force_login(anna)
    caplog.set_level(logging.WARNING)

    with broker(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        started = time.monotonic()
        response = client.post(
            reverse("followups:contact-log", args=[customer.pk]),
            contact_log_data(
                summary="Storing gemeld",
                promises=[
                    {
                        "description": "Bel terug met de monteursdatum",
                        "due_at": timezone.now() + timedelta(days=1),
                        "owner": bram,
                    }
                ],
            ),
            follow=True,
            headers={"Accept-Language": "en"},
        )
        took = time.monotonic() - started

    # the user sees a normal confirmation, quickly
    assert response.status_code == 200
    assert "Contact logged." in response.content.decode()
    assert took < 10
    # everything was saved together
    moment = ContactMoment.objects.get(customer=customer)
    assert Promise.objects.filter(moment=moment, owner=bram).exists()
    assert CheckIn.objects.filter(origin=moment).count() == 3  # day 3, week 6, keep informed about the promise
    assert Notification.objects.get(recipient=bram).status == "pending"
    # the outage is logged without personal data
    assert "broker unavailable" in caplog.text
    assert "Johanna" not in caplog.text and "monteur" not in caplog.text

    # once a worker runs again, the dispatch sweep delivers the notification
    sweeps.notifications_dispatch_sweep()
    assert [m.to for m in mail.outbox] == [["bram@example.com"]]

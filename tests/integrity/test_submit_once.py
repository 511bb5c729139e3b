"""Submit once: a double click, the Back button and parallel posts of one form save one thing."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactMoment, Customer
from followups.models import Promise

from ..factories import CustomerFactory, UserFactory
from ..forms import contact_log_data

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel writers need PostgreSQL's row locks (CI runs on PostgreSQL)"
)


def _form_key(html: str) -> str:
    return re.search(r'name="submission_key" value="([0-9a-f-]{36})"', html).group(1)


@pytest.mark.django_db
def test_a_double_click_on_save_contact_logs_one_contact_and_one_promise(staff_client, staff_user):
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])
    key = _form_key(staff_client.get(url).content.decode())
    tomorrow = timezone.now() + timedelta(days=1)
    data = contact_log_data(
        promises=[{"description": "Bel terug", "due_at": tomorrow, "owner": staff_user}], submission_key=key
    )

    first = staff_client.post(url, data)
    second = staff_client.post(url, data, follow=True, headers={"Accept-Language": "en"})

    assert first.status_code == 302
    assert ContactMoment.objects.filter(customer=customer).count() == 1
    assert Promise.objects.filter(customer=customer).count() == 1
    assert second.redirect_chain[-1][0] == customer.get_absolute_url()
    assert "already saved" in second.content.decode()


@pytest.mark.django_db
def test_back_and_save_again_creates_no_second_customer(staff_client):
    url = reverse("contacts:customer-create")
    key = _form_key(staff_client.get(url).content.decode())
    data = {"full_name": "Eva de Boer", "phone": "06 12345678", "language": "nl", "submission_key": key}

    staff_client.post(url, data)
    again = staff_client.post(url, data)  # the page the Back button shows, saved again

    customer = Customer.objects.get(full_name="Eva de Boer")
    assert again.status_code == 302 and again.url == customer.get_absolute_url()
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_every_visit_to_the_form_is_a_new_submission(staff_client):
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])

    for _ in range(2):
        key = _form_key(staff_client.get(url).content.decode())
        staff_client.post(url, contact_log_data(submission_key=key))

    assert ContactMoment.objects.filter(customer=customer).count() == 2


@pytest.mark.django_db
def test_a_refused_submission_leaves_its_key_free_for_the_corrected_one(staff_client):
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])
    key = _form_key(staff_client.get(url).content.decode())

    refused = staff_client.post(url, contact_log_data(submission_key=key, occurred_at="1999-12-31T10:00"))
    corrected = staff_client.post(url, contact_log_data(submission_key=key))

    assert refused.status_code == 200
    assert corrected.status_code == 302
    assert ContactMoment.objects.filter(customer=customer).count() == 1


def _post_in_parallel(posts: list[tuple[Client, str, dict]]) -> list[int]:
    barrier = threading.Barrier(len(posts))
    statuses: list[int] = []

    def post(client, url, data):
        try:
            barrier.wait(timeout=10)
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=item) for item in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_five_parallel_submits_of_one_form_log_one_contact(default_policy):
    user = UserFactory(username="desk5")
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])
    client = Client()
    client.force_login(user)
    key = _form_key(client.get(url).content.decode())
    data = contact_log_data(submission_key=key)

    statuses = _post_in_parallel([(client, url, data)] * 5)

    assert statuses == [302] * 5
    assert ContactMoment.objects.filter(customer=customer).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_eight_people_logging_for_one_customer_at_once_all_succeed(default_policy):
    customer = CustomerFactory()
    url = reverse("followups:contact-log", args=[customer.pk])
    posts = []
    for n in range(8):
        client = Client()
        client.force_login(UserFactory(username=f"desk-{n}"))
        posts.append((client, url, contact_log_data(summary=f"Contact {n}")))

    statuses = _post_in_parallel(posts)

    assert statuses == [302] * 8
    moments = ContactMoment.objects.filter(customer=customer)
    assert moments.count() == 8
    newest = moments.order_by("-occurred_at", "-pk").first()
    open_checkins = customer.checkins.open()
    # One open check-in per kind, planned by the newest contact; the others superseded.
    assert sorted(open_checkins.values_list("kind", flat=True)) == ["3d", "6w"]
    assert {checkin.origin_id for checkin in open_checkins} == {newest.pk}

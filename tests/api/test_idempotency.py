"""`Idempotency-Key` on every POST: a repeat replays the first answer, another body with the key is 422,
two at once write once, a refused request leaves the key free, 24 hours, erased with the customer."""

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from api.models import IdempotencyKey
from api.services import idempotency_keys_expire
from contacts.models import ContactMoment, Customer
from followups.privacy import customer_erase

pytestmark = pytest.mark.django_db
CUSTOMERS = "/api/v1/customers/"


def test_a_repeat_replays_the_first_answer_and_writes_nothing(desk, clients):
    client = clients["staff"]

    first = client.post(CUSTOMERS, {"full_name": "Piet Puk"}, **{"Idempotency-Key": "order-1"})
    again = client.post(CUSTOMERS, {"full_name": "Piet Puk"}, **{"Idempotency-Key": "order-1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Customer.objects.filter(full_name="Piet Puk").count() == 1


def test_the_same_key_with_another_body_is_422(desk, clients):
    client = clients["staff"]
    client.post(CUSTOMERS, {"full_name": "Piet Puk"}, **{"Idempotency-Key": "order-2"})

    response = client.post(CUSTOMERS, {"full_name": "Klaas Vaak"}, **{"Idempotency-Key": "order-2"})

    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert not Customer.objects.filter(full_name="Klaas Vaak").exists()


def test_keys_are_per_user(desk, clients):
    clients["staff"].post(CUSTOMERS, {"full_name": "Piet Puk"}, **{"Idempotency-Key": "same"})

    response = clients["lead"].post(CUSTOMERS, {"full_name": "Piet Puk"}, **{"Idempotency-Key": "same"})

    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Customer.objects.filter(full_name="Piet Puk").count() == 2


def test_a_refused_request_leaves_the_key_free_for_the_corrected_one(desk, clients):
    client = clients["staff"]
    refused = client.post(CUSTOMERS, {"full_name": "Piet", "phone": "12"}, **{"Idempotency-Key": "fix-me"})

    corrected = client.post(CUSTOMERS, {"full_name": "Piet", "phone": "0612345678"}, **{"Idempotency-Key": "fix-me"})

    assert refused.status_code == 400 and corrected.status_code == 201
    assert IdempotencyKey.objects.filter(key="fix-me").count() == 1


def test_without_the_header_posts_still_work(desk, clients):
    assert clients["staff"].post(CUSTOMERS, {"full_name": "Piet"}).status_code == 201
    assert clients["staff"].post(CUSTOMERS, {"full_name": "Piet"}).status_code == 201
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", " ", "a b", "é", "x" * 256, "tab\there"])
def test_a_key_that_is_not_one_is_400(desk, clients, key):
    response = clients["staff"].post(CUSTOMERS, {"full_name": "Piet"}, **{"Idempotency-Key": key})

    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_invalid"
    assert not Customer.objects.filter(full_name="Piet").exists()


def test_every_kind_of_post_honours_it(desk, clients):
    client = clients["staff"]
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"
    body = {"summary": "Vraag over de factuur"}

    first = client.post(url, body, **{"Idempotency-Key": "log-1"})
    again = client.post(url, body, **{"Idempotency-Key": "log-1"})
    keep = client.post(f"/api/v1/promises/{desk.promise.pk}/keep/", **{"Idempotency-Key": "keep-1"})
    keep_again = client.post(f"/api/v1/promises/{desk.promise.pk}/keep/", **{"Idempotency-Key": "keep-1"})

    assert first.status_code == again.status_code == 201
    assert ContactMoment.objects.filter(summary="Vraag over de factuur").count() == 1
    assert keep.status_code == keep_again.status_code == 200  # the replay, not "no longer open"
    assert keep_again.json() == keep.json()


def test_keys_expire_after_24_hours(desk, clients):
    client = clients["staff"]
    client.post(CUSTOMERS, {"full_name": "Piet"}, **{"Idempotency-Key": "old"})
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    reused = client.post(CUSTOMERS, {"full_name": "Piet"}, **{"Idempotency-Key": "old"})
    client.post(CUSTOMERS, {"full_name": "Klaas"}, **{"Idempotency-Key": "older"})
    IdempotencyKey.objects.filter(key="older").update(created_at=timezone.now() - timedelta(days=2))

    assert reused.status_code == 201 and "Idempotent-Replayed" not in reused  # met after 24 h: a new request
    assert idempotency_keys_expire() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["old"]


def test_erasing_the_customer_drops_the_stored_answers_about_them(desk, clients):
    made = clients["staff"].post(CUSTOMERS, {"full_name": "Piet Puk"}, **{"Idempotency-Key": "erase-me"})
    customer = Customer.objects.get(pk=made.json()["id"])
    assert IdempotencyKey.objects.get(key="erase-me").customer_id == customer.pk

    customer_erase(customer=customer, actor=desk.users["manager"], reason="AVG-verzoek 12")

    assert not IdempotencyKey.objects.filter(key="erase-me").exists()
    assert "Piet" not in str(list(IdempotencyKey.objects.values_list("response_body", flat=True)))


@pytest.mark.django_db(transaction=True)
def test_two_at_once_write_once(desk, clients):
    """PostgreSQL (SQLite serialises writers anyway): the second waits on the key, then replays the first."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    client_a, client_b = clients["staff"], type(clients["staff"])(clients["staff"].headers["Authorization"].split()[1])
    barrier = threading.Barrier(2)
    answers = []

    def post(client):
        barrier.wait()
        try:
            answers.append(client.post(CUSTOMERS, {"full_name": "Gelijktijdig"}, **{"Idempotency-Key": "race"}))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in (client_a, client_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(a.status_code for a in answers) in ([201, 201], [201, 409])
    assert Customer.objects.filter(full_name="Gelijktijdig").count() == 1
    replayed = [a for a in answers if a.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == 1 or any(a.status_code == 409 for a in answers)

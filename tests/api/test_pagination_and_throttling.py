"""Cursor pages walk the whole list in a constant number of queries; a forged cursor is a 400; 429 per token."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import PAGE_SIZE_MAX
from contacts.models import Customer
from tests.factories import CheckInFactory, ContactMomentFactory, CustomerFactory

from .conftest import api_client_for

pytestmark = pytest.mark.django_db


def _walk(client, url, params) -> tuple[list[int], list[int]]:
    """Every id the pages give, following `next`, and the queries each page took."""
    ids, queries = [], []
    client.get("/api/v1/my-day/")  # the token's first use writes its last_used_at: not a page's cost
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        queries.append(len(captured))
        url, params = body["next"], None
    return ids, queries


def test_customers_walk_whole_in_pages_of_constant_cost(desk, clients):
    CustomerFactory.create_batch(23)
    expected = sorted(Customer.objects.values_list("pk", flat=True))

    ids, queries = _walk(clients["staff"], "/api/v1/customers/", {"page_size": 5})

    assert ids == expected  # every one, once, in order
    assert len(queries) == 5 and len(set(queries)) == 1, queries


def test_contacts_newest_first_across_pages(desk, clients):
    for _ in range(11):
        ContactMomentFactory(customer=desk.customer, team=desk.noord)

    ids, queries = _walk(clients["staff"], f"/api/v1/customers/{desk.customer.pk}/contacts/", {"page_size": 4})

    assert len(ids) == len(set(ids)) == 12
    assert len(set(queries)) == 1, queries


def test_checkins_pages_cost_the_same_however_many(desk, clients):
    for _ in range(30):
        CheckInFactory(origin=ContactMomentFactory(team=desk.noord, logged_by=desk.users["staff"]))

    ids, queries = _walk(clients["manager"], "/api/v1/checkins/", {"page_size": 7})

    assert len(ids) == len(set(ids)) == 32
    assert len(set(queries)) == 1, queries


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "é",
        base64.b64encode(b"p=not-a-number").decode(),
        base64.b64encode(b"p=99999999999999999999999").decode(),
        base64.b64encode(b"o=99999999").decode(),
        base64.b64encode(b"p=1\x00").decode(),
    ],
)
def test_a_forged_cursor_is_a_400(desk, clients, cursor):
    response = clients["staff"].get("/api/v1/customers/", {"cursor": cursor})

    assert response.status_code in (200, 400), response.content  # never a database error
    if response.status_code == 400:
        assert "cursor" in response.json()["fields"]


def test_a_forged_date_cursor_is_a_400(desk, clients):
    cursor = base64.b64encode(b"p=0001-13-01 00:00:00").decode()

    response = clients["staff"].get(f"/api/v1/customers/{desk.customer.pk}/contacts/", {"cursor": cursor})

    assert response.status_code == 400


def test_the_page_size_is_bounded(desk, clients):
    CustomerFactory.create_batch(3)

    huge = clients["staff"].get("/api/v1/customers/", {"page_size": 10**9})
    garbage = clients["staff"].get("/api/v1/customers/", {"page_size": "²"})

    assert huge.status_code == garbage.status_code == 200
    assert len(huge.json()["results"]) <= PAGE_SIZE_MAX


def test_too_many_requests_per_token_is_429_with_retry_after(desk, settings):
    settings.API_THROTTLE_RATE = "3/min"
    client = api_client_for(desk.users["staff"])
    other_token = api_client_for(desk.users["staff"])

    answers = [client.get("/api/v1/my-day/").status_code for _ in range(4)]
    refused = client.get("/api/v1/my-day/")

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"
    assert other_token.get("/api/v1/my-day/").status_code == 200  # counted per token


def test_my_day_costs_the_same_for_3_or_30_items(desk, clients):
    from django.utils import timezone

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert clients["staff"].get("/api/v1/my-day/").status_code == 200
        return len(captured)

    clients["staff"].get("/api/v1/my-day/")  # the token's first use writes its last_used_at
    few = queries()
    for _ in range(30):
        origin = ContactMomentFactory(team=desk.noord, logged_by=desk.users["staff"])
        CheckInFactory(origin=origin, due_date=timezone.localdate(), assignee=desk.users["staff"])
    many = queries()

    assert many <= few + 1, (few, many)  # a section that was empty needs its one query once it has items

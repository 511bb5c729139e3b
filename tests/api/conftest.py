"""API test helpers: a desk of two teams, tokens per role, a client that sends JSON with a token."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from api.services import token_create
from contactcare import roles
from tests.factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    UserFactory,
)


class ApiClient:
    """Django's test client speaking JSON to the API, as an integration would: `Authorization: Bearer <token>`."""

    def __init__(self, token: str | None = None, language: str = "en"):
        self.client = Client()
        self.headers = {"Accept-Language": language}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, url, params=None, **headers):
        return self.client.get(url, params or {}, headers={**self.headers, **headers})

    def post(self, url, data=None, *, content_type="application/json", **headers):
        return self.client.post(
            url, data if data is not None else {}, content_type=content_type, headers={**self.headers, **headers}
        )

    def patch(self, url, data=None, **headers):
        return self.client.patch(url, data or {}, content_type="application/json", headers={**self.headers, **headers})

    def delete(self, url, **headers):
        return self.client.delete(url, headers={**self.headers, **headers})


def api_client_for(user, **kwargs) -> ApiClient:
    _token, raw = token_create(user=user, actor=user, name="tests")
    return ApiClient(raw, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    """The throttle counts live in the (per-process) cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@dataclass
class Desk:
    users: dict
    noord: object
    zuid: object
    customer: object
    moment: object
    checkin: object
    promise: object
    other_checkin: object
    other_promise: object


@pytest.fixture
def desk(db) -> Desk:
    """Team Noord (staff anna, lead lies) and Team Zuid (staff zara, lead lex), a manager; one check-in and one
    promise of each team."""
    users = {
        "staff": UserFactory(username="anna", role=roles.STAFF),
        "lead": UserFactory(username="lies", role=roles.TEAM_LEAD),
        "other_staff": UserFactory(username="zara", role=roles.STAFF),
        "other_lead": UserFactory(username="lex", role=roles.TEAM_LEAD),
        "manager": UserFactory(username="mila", role=roles.MANAGER),
    }
    noord = TeamFactory(name="Noord", members=[users["staff"]], lead=users["lead"])
    zuid = TeamFactory(name="Zuid", members=[users["other_staff"]], lead=users["other_lead"])
    customer = CustomerFactory(full_name="Jan de Vries")
    moment = ContactMomentFactory(customer=customer, team=noord, logged_by=users["staff"])
    other_moment = ContactMomentFactory(customer=CustomerFactory(), team=zuid, logged_by=users["other_staff"])
    return Desk(
        users=users,
        noord=noord,
        zuid=zuid,
        customer=customer,
        moment=moment,
        checkin=CheckInFactory(origin=moment),
        promise=PromiseFactory(moment=moment),
        other_checkin=CheckInFactory(origin=other_moment),
        other_promise=PromiseFactory(moment=other_moment),
    )


@pytest.fixture
def clients(desk) -> dict:
    return {role: api_client_for(user) for role, user in desk.users.items()}

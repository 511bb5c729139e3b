"""Personal API tokens: made and revoked on their page, shown once, stored hashed; who a request is (issue 12)."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.services import token_authenticate, token_create
from contactcare import roles
from tests.factories import UserFactory

from .conftest import ApiClient, api_client_for

pytestmark = pytest.mark.django_db
ME = "/api/v1/my-day/"


def _page_client(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def test_a_token_made_on_its_page_is_shown_once_and_stored_only_as_its_hash(staff_user):
    client = _page_client(staff_user)

    response = client.post(
        reverse("api:token-list"), {"name": "Web shop"}, follow=True, headers={"Accept-Language": "en"}
    )

    shown = re.search(r'id="new-token">([^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=staff_user)
    assert (token.name, token.prefix) == ("Web shop", shown[:8])
    assert token.token_hash == hashlib.sha256(shown.encode()).hexdigest()
    assert shown not in str(ApiToken.objects.values_list().get())  # the token itself is nowhere in the row
    again = client.get(reverse("api:token-list")).content.decode()
    assert shown not in again and "Web shop" in again  # listed by name and prefix, never shown again
    assert ApiClient(shown).get(ME).status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name_of_bounded_length(staff_user, name):
    response = _page_client(staff_user).post(
        reverse("api:token-list"), {"name": name}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_revoking_a_token_stops_it_at_once(staff_user):
    token, raw = token_create(user=staff_user, actor=staff_user, name="CRM")
    client = ApiClient(raw)
    assert client.get(ME).status_code == 200

    _page_client(staff_user).post(reverse("api:token-revoke", args=[token.pk]))

    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_nobody_revokes_another_persons_token(staff_user, manager_user):
    token, raw = token_create(user=staff_user, actor=staff_user, name="CRM")

    response = _page_client(manager_user).post(reverse("api:token-revoke", args=[token.pk]))

    assert response.status_code == 404
    assert ApiClient(raw).get(ME).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer cc_unknown", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000, "Bearer é"],
)
def test_no_or_an_unknown_token_is_a_401_in_json(db, header):
    client = Client()
    response = client.get(ME, headers={"Authorization": header} if header else {})

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "code", "fields"}


def test_an_expired_token_and_an_inactive_user_are_refused(staff_user):
    expired, raw_expired = token_create(user=staff_user, actor=staff_user, name="old")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    gone = UserFactory(username="left", role=roles.STAFF)
    client_gone = api_client_for(gone)
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    assert ApiClient(raw_expired).get(ME).status_code == 401
    assert client_gone.get(ME).status_code == 401


def test_token_keyword_works_too_and_use_is_recorded(staff_user):
    token, raw = token_create(user=staff_user, actor=staff_user, name="CRM")
    client = Client()

    response = client.get(ME, headers={"Authorization": f"Token {raw}"})

    assert response.status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    assert token_authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


def test_a_token_carries_its_users_permissions_and_nothing_more(desk, clients):
    # the weekly report is for team leads and managers; a staff member's token gets the screen's 403
    assert clients["staff"].get("/api/v1/reports/weekly/").status_code == 403
    assert clients["lead"].get("/api/v1/reports/weekly/").status_code == 200


def test_the_browser_session_works_with_csrf(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    assert client.get(ME).status_code == 200
    refused = client.post("/api/v1/customers/", {"full_name": "Piet"}, content_type="application/json")
    assert refused.status_code == 403  # no CSRF token: a page elsewhere cannot post as the user
    client.get(reverse("api:token-list"))
    csrf = client.cookies["csrftoken"].value
    made = client.post(
        "/api/v1/customers/", {"full_name": "Piet"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert made.status_code == 201


def test_the_tokens_page_is_in_the_account_menu(staff_client):
    html = staff_client.get(reverse("followups:my-day")).content.decode()

    assert reverse("api:token-list") in html


def test_a_token_can_be_made_to_expire(staff_user):
    client = _page_client(staff_user)

    client.post(reverse("api:token-list"), {"name": "Trial", "expires_in": "30"})
    refused = client.post(reverse("api:token-list"), {"name": "Odd", "expires_in": "7"})

    token = ApiToken.objects.get(user=staff_user)
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert refused.status_code == 200 and refused.context["form"].errors["expires_in"]

"""The login form takes only what the database can hold; /healthz answers load balancers' HEAD."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth import forms as auth_forms
from django.urls import reverse

from contactcare.login import LoginForm

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def _log_in(client, username, password="wrong"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, headers={"Accept-Language": "en"}
    )


def test_healthz_answers_head_like_get(client):
    get = client.get("/healthz")

    head = client.head("/healthz")

    assert head.status_code == get.status_code != 405
    assert head.content == b""


def test_healthz_still_refuses_post(client):
    response = client.post("/healthz")

    assert response.status_code == 405


def test_a_username_longer_than_any_user_can_have_is_a_form_error_and_axes_records_nothing(client):
    response = _log_in(client, "x" * 5000)

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert not AccessFailureLog.objects.exists()


def test_a_username_of_the_longest_allowed_length_still_counts_as_a_failed_attempt(client):
    response = _log_in(client, "x" * 150)

    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150


@pytest.fixture
def authenticate_calls(monkeypatch):
    """Every call the login form makes to authenticate() (which axes watches)."""
    calls = []
    real = auth_forms.authenticate

    def recording(request=None, **credentials):
        calls.append(credentials)
        return real(request, **credentials)

    monkeypatch.setattr(auth_forms, "authenticate", recording)
    return calls


@pytest.mark.parametrize(
    ("username", "password"),
    [("x" * 151, "wrong"), ("an\x00na", "wrong"), ("anna", "wr\x00ong")],
    ids=["too-long", "nul-in-username", "nul-in-password"],
)
def test_the_login_form_refuses_what_authenticate_must_not_see(rf, authenticate_calls, username, password):
    UserFactory(username="anna")
    form = LoginForm(rf.post("/accounts/login/"), data={"username": username, "password": password})

    assert not form.is_valid()
    assert set(form.errors) == ({"username"} if password == "wrong" else {"password"})
    assert authenticate_calls == []


def test_a_nul_byte_in_the_login_request_is_no_server_error(client):
    UserFactory(username="anna")

    response = _log_in(client, "an\x00na")

    assert response.status_code in {200, 400}
    assert not AccessAttempt.objects.exists()


def test_the_bounded_form_still_logs_people_in(client):
    UserFactory(username="anna", password="correct horse battery staple")

    response = _log_in(client, "anna", "correct horse battery staple")

    assert response.status_code == 302
    assert client.session["_auth_user_id"]

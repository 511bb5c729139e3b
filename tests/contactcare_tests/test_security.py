from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from followups import sweeps
from followups.models import SweepRun

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login_and_without_detail(client):
    sweeps.broken_promises_sweep()  # the scheduler is alive

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "reminders": "ok"}


def test_healthz_says_when_reminders_are_delayed_without_failing(client):
    # given a scheduler that last ran half an hour ago
    sweeps.broken_promises_sweep()
    SweepRun.objects.update(last_finished_at=timezone.now() - timedelta(minutes=30))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["reminders"] == "delayed"


def test_every_page_sends_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("login"))

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_pages_render_no_inline_script(staff_client):
    html = staff_client.get(reverse("contacts:customer-search")).content.decode()

    assert "<script>" not in html
    assert "<script " not in html.replace('<script src="', "")


def test_login_is_throttled_with_a_clear_message(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="anna")

    for _ in range(3):
        client.post(reverse("login"), {"username": "anna", "password": "wrong"}, headers={"Accept-Language": "en"})
    response = client.post(
        reverse("login"), {"username": "anna", "password": "wrong"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()


def test_a_wrong_password_gives_a_form_error_not_a_lockout(client):
    UserFactory(username="anna")

    response = client.post(
        reverse("login"), {"username": "anna", "password": "wrong"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_is_a_post_and_ends_the_session(staff_client):
    response = staff_client.post(reverse("logout"))

    assert response.status_code == 302
    assert staff_client.get(reverse("home")).url.startswith(reverse("login"))

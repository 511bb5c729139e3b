import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from contacts.models import ContactMoment, Customer, CustomerDetail, Team, Topic
from followups.models import CheckIn, Handover, Promise

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            get_user_model(),
            Team,
            Topic,
            Customer,
            CustomerDetail,
            ContactMoment,
            CheckIn,
            Promise,
            Handover,
        )
    }


def test_seed_demo_twice_gives_the_same_counts(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")

    assert _counts() == first
    assert first["Customer"] >= 200
    assert first["ContactMoment"] > first["Customer"]
    assert first["CheckIn"] > 0 and first["Promise"] > 0  # the desk has follow-up work to show
    assert CheckIn.objects.overdue(timezone.localdate()).exists()  # the team lead has something to reassign
    assert first["Handover"] == 1  # a customer waits for Team Zuid (issue 13)
    assert "anna" in capsys.readouterr().out  # the demo logins are printed


def test_demo_logins_work_for_each_role(client):
    call_command("seed_demo")

    for username in ("anna", "lotte", "maria"):
        response = client.post("/accounts/login/", {"username": username, "password": "contactcare-demo"})
        assert response.status_code == 302, username
        client.post("/accounts/logout/")

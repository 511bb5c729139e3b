import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from contacts.models import ContactMoment, Customer, CustomerDetail, Team, Topic

pytestmark = pytest.mark.django_db


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (get_user_model(), Team, Topic, Customer, CustomerDetail, ContactMoment)
    }


def test_seed_demo_twice_gives_the_same_counts(capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")

    assert _counts() == first
    assert first["Customer"] >= 200
    assert first["ContactMoment"] > first["Customer"]
    assert "anna" in capsys.readouterr().out  # the demo logins are printed


def test_demo_logins_work_for_each_role(client):
    call_command("seed_demo")

    for username in ("anna", "lotte", "maria"):
        response = client.post("/accounts/login/", {"username": username, "password": "contactcare-demo"})
        assert response.status_code == 302, username
        client.post("/accounts/logout/")

import pytest

from contactcare import roles
from contactcare.services import system_user
from tests.factories import CustomerFactory, TeamFactory, UserFactory


@pytest.fixture
def lead(db):
    return UserFactory(username="ki-lead", first_name="Lies", last_name="Lead", role=roles.TEAM_LEAD)


@pytest.fixture
def anna(db):
    return UserFactory(username="ki-anna", first_name="Anna", last_name="Desk")


@pytest.fixture
def bram(db):
    return UserFactory(username="ki-bram", first_name="Bram", last_name="Desk")


@pytest.fixture
def team(db, lead, anna, bram):
    return TeamFactory(name="Updates desk", lead=lead, members=[anna, bram, lead])


@pytest.fixture
def system(db):
    return system_user()


@pytest.fixture
def customer(db):
    return CustomerFactory(full_name="Fenna Bakker", language="nl")

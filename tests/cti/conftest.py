import pytest

from contactcare import roles
from cti import services
from tests.factories import TeamFactory, UserFactory


@pytest.fixture
def desk(db):
    """A team with two staff members (Sanne Staff, Piet Jansen) and a lead."""
    lead = UserFactory(username="desklead", first_name="Lotte", last_name="Lead", role=roles.TEAM_LEAD)
    sanne = UserFactory(username="sanne", first_name="Sanne", last_name="Staff")
    piet = UserFactory(username="piet", first_name="Piet", last_name="Jansen")
    team = TeamFactory(name="Service", lead=lead, members=[sanne, piet])
    return team


@pytest.fixture
def line_and_token(desk, manager_user):
    return services.line_token_rotate(team=desk, actor=manager_user)


@pytest.fixture
def line(line_and_token):
    return line_and_token[0]


@pytest.fixture
def token(line_and_token):
    return line_and_token[1]

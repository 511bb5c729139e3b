"""A desk of two teams for the handover tests (issue 13): Noord (Anna, Bram; lead Lotte), Zuid (Chris, Dewi;
lead Sem), a manager, and Fenna, a customer with an open check-in and an open promise of Anna's."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contactcare import roles
from contacts.models import Team
from followups import handovers
from followups.handovers import Receiver
from tests.factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    UserFactory,
)

AMS = ZoneInfo("Europe/Amsterdam")
NOTE = "Needs a refund on invoice 2207; the amount was charged twice. Checked the bank statement with her."


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


@dataclass
class Desk:
    anna: object
    bram: object
    chris: object
    dewi: object
    lotte: object
    sem: object
    mila: object
    noord: object
    zuid: object
    customer: object
    checkin: object
    promise: object

    def to(self, who) -> Receiver:
        """A receiver: a team (Team) or a colleague (a user)."""
        return Receiver(team=who) if isinstance(who, Team) else Receiver(user=who)


@pytest.fixture
def desk(db) -> Desk:
    anna = UserFactory(username="ho-anna", first_name="Anna", last_name="de Vries")
    bram = UserFactory(username="ho-bram", first_name="Bram", last_name="Bakker")
    chris = UserFactory(username="ho-chris", first_name="Chris", last_name="Jansen")
    dewi = UserFactory(username="ho-dewi", first_name="Dewi", last_name="Smit")
    lotte = UserFactory(username="ho-lotte", first_name="Lotte", last_name="Lead", role=roles.TEAM_LEAD)
    sem = UserFactory(username="ho-sem", first_name="Sem", last_name="Lead", role=roles.TEAM_LEAD)
    mila = UserFactory(username="ho-mila", first_name="Mila", last_name="Manager", role=roles.MANAGER)
    noord = TeamFactory(name="Team Noord", lead=lotte, members=[anna, bram])
    zuid = TeamFactory(name="Team Zuid", lead=sem, members=[chris, dewi])
    customer = CustomerFactory(full_name="Fenna Bakker")
    moment = ContactMomentFactory(customer=customer, logged_by=anna, team=noord)
    checkin = CheckInFactory(origin=moment, assignee=anna, due_date=timezone.localdate() + timedelta(days=3))
    promise = PromiseFactory(moment=moment, owner=anna, description="Refund the double charge")
    return Desk(anna, bram, chris, dewi, lotte, sem, mila, noord, zuid, customer, checkin, promise)


def hand_over(desk, *, by=None, to=None, note=NOTE, **kwargs):
    """Anna hands Fenna over to Team Zuid, unless told otherwise."""
    return handovers.handover_create(
        customer=kwargs.pop("customer", desk.customer),
        actor=by or desk.anna,
        to=desk.to(to or desk.zuid),
        note=note,
        **kwargs,
    )

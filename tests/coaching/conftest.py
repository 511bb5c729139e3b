"""The hand-counted desk of the coaching tests: team Noord (Anna, Bram, Cees; lead Lies) and team Zuid (Dirk;
lead Lex), seen on Wednesday 11 November 2026: the last complete week is 2026-W45 (2–8 November), the last
4 weeks are W42–W45 (12 October – 8 November), the last 12 weeks W34–W45 (17 August – 8 November)."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from contactcare import roles
from followups.models import CheckIn, Promise

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 11, 12, 0, tzinfo=AMS)


def at(month, day, hour=10, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=AMS)


@dataclass
class Desk:
    users: dict
    north: object
    south: object
    contacts: dict


@pytest.fixture
def desk(db) -> Desk:
    users = {
        "anna": UserFactory(username="anna", first_name="Anna", last_name="Aalders", role=roles.STAFF),
        "bram": UserFactory(username="bram", first_name="Bram", last_name="Bakker", role=roles.STAFF),
        "cees": UserFactory(username="cees", first_name="Cees", last_name="Claassen", role=roles.STAFF),
        "dirk": UserFactory(username="dirk", first_name="Dirk", last_name="Dekker", role=roles.STAFF),
        "lies": UserFactory(username="lies", first_name="Lies", last_name="Lely", role=roles.TEAM_LEAD),
        "lex": UserFactory(username="lex", first_name="Lex", last_name="Linden", role=roles.TEAM_LEAD),
        "mila": UserFactory(username="mila", first_name="Mila", last_name="Mol", role=roles.MANAGER),
    }
    anna, bram, cees, dirk = (users[name] for name in ("anna", "bram", "cees", "dirk"))
    north = TeamFactory(name="Noord", members=[cees, anna, bram], lead=users["lies"])
    south = TeamFactory(name="Zuid", members=[dirk], lead=users["lex"])

    def contact(user, when, team=north, **fields):
        return ContactMomentFactory(
            customer=CustomerFactory(full_name=f"Klant {user.username} {when:%m%d}"),
            logged_by=user,
            occurred_at=when,
            team=team,
            **fields,
        )

    contacts = {
        # Anna, Noord
        "anna_w45": contact(anna, at(11, 2), sentiment_start=2, sentiment_end=4, fully_helped=True, is_compliment=True),
        "anna_w44": contact(anna, at(10, 28), sentiment_start=3, sentiment_end=3, fully_helped=False),
        "anna_w40": contact(anna, at(10, 1), sentiment_start=1, sentiment_end=5, fully_helped=True, is_compliment=True),
        # Anna for Zuid: not on her Noord card
        "anna_zuid": contact(anna, at(11, 3), south, sentiment_start=1, sentiment_end=5, is_compliment=True),
        # Bram, Noord
        "bram_w45": contact(bram, at(11, 8, 23, 30), sentiment_start=3, sentiment_end=4, fully_helped=True),
        "bram_w43": contact(bram, at(10, 20), sentiment_start=4, sentiment_end=4, fully_helped=None),
        # Not in any period: week 46 (this week) and week 33
        "bram_w46": contact(bram, at(11, 9, 0, 30), sentiment_start=1, sentiment_end=5, is_compliment=True),
        "cees_w30": contact(cees, at(7, 22), sentiment_start=5, sentiment_end=1, fully_helped=False),
        # Dirk, Zuid: a turn-around
        "dirk_w45": contact(dirk, at(11, 4), south, sentiment_start=2, sentiment_end=5),
    }
    c = contacts
    # Promises (owner: who logged the contact)
    PromiseFactory(moment=c["anna_w45"], due_at=at(11, 3, 17), status=Promise.Status.KEPT, kept_at=at(11, 3, 17))
    PromiseFactory(moment=c["anna_w45"], due_at=at(11, 4, 17), status=Promise.Status.KEPT, kept_at=at(11, 4, 17, 1))
    PromiseFactory(moment=c["bram_w45"], due_at=at(11, 5, 9), status=Promise.Status.KEPT, kept_at=at(11, 5, 8))
    PromiseFactory(moment=c["cees_w30"], due_at=at(10, 27, 9))  # open after its due time: broken
    # Check-ins (planned from a contact of the desk's account, not a member: no card of its own)
    desk_user = UserFactory(username="desk")

    def checkin(assignee, due, **fields):
        origin = ContactMomentFactory(customer=CustomerFactory(), occurred_at=at(7, 1), team=north, logged_by=desk_user)
        return CheckInFactory(origin=origin, assignee=assignee, team=north, due_date=due, **fields)

    checkin(anna, date(2026, 11, 3), status=CheckIn.Status.DONE, done_date=date(2026, 11, 3))  # on time
    checkin(anna, date(2026, 11, 4), status=CheckIn.Status.SUPERSEDED)  # not due
    checkin(anna, date(2026, 9, 1))  # W36, open: overdue (12 weeks only)
    checkin(bram, date(2026, 10, 13), status=CheckIn.Status.DONE, done_date=date(2026, 10, 15))  # late
    return Desk(users=users, north=north, south=south, contacts=contacts)

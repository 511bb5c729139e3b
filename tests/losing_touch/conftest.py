"""The desk of the losing-touch tests (issue 14): two teams, and customers around the 14-day line.

Every time is a local time on a local day counted back from today ("days ago"), so the hand-counted days since
hold whenever the tests run (the desk's default threshold: 14 days).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from contactcare import roles
from contacts.models import ContactMoment
from followups.models import Promise
from tests.factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory


def local(days_ago: int, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` local time, `days_ago` local days before today."""
    return timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=days_ago), time(hour, minute)))


def contact(customer, *, when, team, by, sentiment_end=3, direction="in", channel="phone"):
    return ContactMomentFactory(
        customer=customer,
        occurred_at=when,
        team=team,
        logged_by=by,
        sentiment_start=3,
        sentiment_end=sentiment_end,
        direction=direction,
        channel=channel,
    )


@dataclass
class Desk:
    users: dict
    noord: object
    zuid: object
    customers: dict
    promises: dict


@pytest.fixture
def desk(db) -> Desk:
    users = {
        "anna": UserFactory(username="anna", first_name="Anna", last_name="Smit", role=roles.STAFF),
        "bram": UserFactory(username="bram", first_name="Bram", last_name="Visser", role=roles.STAFF),
        "zara": UserFactory(username="zara", first_name="Zara", last_name="Bakker", role=roles.STAFF),
        "lies": UserFactory(username="lies", first_name="Lies", last_name="de Lead", role=roles.TEAM_LEAD),
        "lex": UserFactory(username="lex", first_name="Lex", last_name="Leider", role=roles.TEAM_LEAD),
        "mila": UserFactory(username="mila", first_name="Mila", last_name="Manager", role=roles.MANAGER),
    }
    noord = TeamFactory(name="Noord", members=[users["anna"], users["bram"]], lead=users["lies"])
    zuid = TeamFactory(name="Zuid", members=[users["zara"]], lead=users["lex"])
    anna, bram, zara = users["anna"], users["bram"], users["zara"]
    c = {name: CustomerFactory(full_name=name) for name in [
        "Exact Veertien", "Bijna Dertien", "Later Negatief", "Daarna Positief", "Belofte Gebroken",
        "Te Laat Nagekomen", "Contact Na Belofte", "Belofte Dertien", "Ander Team",
    ]}  # fmt: skip
    # 14 local days ago, late in the evening: exactly 14 days → on the list (Noord, Anna)
    contact(c["Exact Veertien"], when=local(20, 10), team=noord, by=bram, sentiment_end=4)
    contact(c["Exact Veertien"], when=local(14, 23, 30), team=noord, by=anna, sentiment_end=2)
    # 13 days ago, just after midnight: 13 days → not yet
    contact(c["Bijna Dertien"], when=local(13, 0, 30), team=noord, by=anna, sentiment_end=1)
    # negative 30 days ago, negative again 8 days ago: the contact since starts the count again → not yet
    contact(c["Later Negatief"], when=local(30, 9), team=noord, by=anna, sentiment_end=1)
    contact(c["Later Negatief"], when=local(8, 9), team=noord, by=bram, sentiment_end=2)
    # a negative inbound, then a positive outbound the day after: the last contact is positive → not on the list
    contact(c["Daarna Positief"], when=local(20, 9), team=noord, by=anna, sentiment_end=1)
    contact(c["Daarna Positief"], when=local(19, 9), team=noord, by=bram, sentiment_end=5, direction="out")
    # a promise due 15 days ago, still open, nothing since the (neutral) contact it was made in → on the list
    made = contact(c["Belofte Gebroken"], when=local(18, 11), team=noord, by=bram)
    broken = PromiseFactory(moment=made, description="Monteur inplannen", due_at=local(15, 17))
    # a promise due 15 days ago, kept late 12 days ago: the customer had their answer → not on the list
    made = contact(c["Te Laat Nagekomen"], when=local(18, 11), team=noord, by=anna)
    late = PromiseFactory(
        moment=made, due_at=local(15, 17), status=Promise.Status.KEPT, kept_at=local(12, 10), description="Offerte"
    )
    # a promise due 16 days ago, with a contact 15 days ago (after it broke) → not on the list
    made = contact(c["Contact Na Belofte"], when=local(20, 11), team=noord, by=anna)
    PromiseFactory(moment=made, due_at=local(16, 12), description="Terugbellen")
    contact(c["Contact Na Belofte"], when=local(15, 9), team=noord, by=anna, sentiment_end=3, direction="out")
    # a promise that broke 13 days ago → not yet
    made = contact(c["Belofte Dertien"], when=local(20, 11), team=noord, by=anna)
    PromiseFactory(moment=made, due_at=local(13, 9), description="Factuur corrigeren")
    # another team's customer: negative 17 days ago, team Zuid (Zara) → only Zuid's lead and managers
    contact(c["Ander Team"], when=local(17, 14), team=zuid, by=zara, sentiment_end=1, channel="email")
    assert ContactMoment.objects.count() == 13
    return Desk(users=users, noord=noord, zuid=zuid, customers=c, promises={"broken": broken, "late": late})

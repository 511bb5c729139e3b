"""The hand-built week the report tests count: ISO week 45 of 2026, Monday 2 to Sunday 8 November."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from followups.models import CheckIn, Promise
from reports.weeks import IsoWeek

from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

AMS = ZoneInfo("Europe/Amsterdam")
W45 = IsoWeek(2026, 45)
NOW = datetime(2026, 11, 11, 12, 0, tzinfo=AMS)  # the Wednesday after: the week is over


def at(day, hour, minute=0):
    return datetime(2026, *day, hour, minute, tzinfo=AMS)


@pytest.fixture
def week():
    anna, bram = UserFactory(username="anna"), UserFactory(username="bram")
    north, south = TeamFactory(name="Noord", members=[anna]), TeamFactory(name="Zuid", members=[bram])
    c1, c2, c3, c4 = (CustomerFactory() for _ in range(4))

    def contact(customer, when, team, user, **fields):
        return ContactMomentFactory(customer=customer, occurred_at=when, team=team, logged_by=user, **fields)

    # Contacts of week 45
    m1 = contact(
        c1,
        at((11, 2), 9),
        north,
        anna,
        channel="phone",
        sentiment_start=2,
        sentiment_end=4,
        fully_helped=True,
        is_complaint=True,
    )
    contact(
        c1, at((11, 6), 9), north, anna, channel="email", sentiment_start=3, sentiment_end=3, fully_helped=False
    )  # repeat: 4 days after m1
    m3 = contact(
        c2,
        at((11, 8), 23, 30),
        south,
        bram,
        channel="chat",
        sentiment_start=4,
        sentiment_end=5,
        fully_helped=None,
        is_compliment=True,
    )  # Sunday 23:30: still week 45
    # Repeat window: an earlier inbound contact exactly 7 days before is inside, 7 days and a minute is outside
    earlier3 = contact(c3, at((10, 27), 10), south, bram, channel="phone", fully_helped=None)
    earlier4 = contact(c4, at((10, 27), 10), south, bram, channel="phone", fully_helped=None)
    m_c3 = contact(
        c3, at((11, 3), 10), north, anna, channel="desk", sentiment_start=3, sentiment_end=2, fully_helped=True
    )
    contact(
        c4, at((11, 3), 10, 1), north, anna, channel="letter", sentiment_start=3, sentiment_end=3, fully_helped=None
    )
    contact(
        c1,
        at((11, 4), 14),
        north,
        anna,
        channel="phone",
        direction="out",
        sentiment_start=3,
        sentiment_end=4,
        fully_helped=True,
    )
    # Not week 45: Monday 00:30 of week 46
    contact(c2, at((11, 9), 0, 30), south, bram, channel="phone")

    # Check-ins due in week 45 (and one in week 46)
    def checkin(day, team, kind, **fields):
        origin = ContactMomentFactory(
            customer=CustomerFactory(), occurred_at=at((10, 20), 9), team=team, logged_by=anna
        )
        return CheckInFactory(origin=origin, due_date=date(2026, *day), team=team, kind=kind, **fields)

    checkin((11, 2), north, "3d", status=CheckIn.Status.DONE, done_date=date(2026, 11, 2))  # on time
    checkin((11, 3), north, "3d", status=CheckIn.Status.DONE, done_date=date(2026, 11, 5))  # late
    checkin((11, 4), south, "3d")  # still open: overdue
    checkin((11, 5), north, "6w", status=CheckIn.Status.SUPERSEDED)  # superseded, not overdue
    checkin((11, 6), south, "6w", status=CheckIn.Status.SKIPPED, skip_reason="x")
    checkin((11, 9), north, "3d")  # week 46

    # Promises
    PromiseFactory(moment=m1, due_at=at((11, 2), 17), status=Promise.Status.KEPT, kept_at=at((11, 2), 16))  # on time
    PromiseFactory(
        moment=earlier4, due_at=at((11, 3), 17), status=Promise.Status.KEPT, kept_at=at((11, 3), 17, 1)
    )  # a minute late
    PromiseFactory(moment=m1, due_at=at((11, 4), 12))  # still open: broken
    PromiseFactory(moment=m_c3, due_at=at((11, 7), 10), status=Promise.Status.CANCELLED, cancel_reason="x")
    PromiseFactory(moment=m3, due_at=at((11, 9), 9))  # made in week 45, due in week 46
    return north, south, earlier3

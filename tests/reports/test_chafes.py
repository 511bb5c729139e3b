"""Where it chafes: topics and channels ranked, counted by hand over a small set of weeks (ISO week 45 of 2026,
Monday 2 to Sunday 8 November, and a few contacts just outside it)."""

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactcare import roles
from contacts.models import ContactMoment
from followups.models import Notification, Promise
from followups.services import contact_correct, contact_delete
from reports import chafes, chafes_views
from reports.models import TopicWeeklySummary
from reports.services import weekly_report_mails_create
from reports.weeks import IsoWeek

from ..factories import (
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)
from .conftest import AMS, NOW, W45, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rank_from_three(monkeypatch):
    """Three inbound contacts are enough to rank here (the desk's rule is ten): a hand-countable set."""
    monkeypatch.setattr(chafes, "MIN_INBOUND_TO_RANK", 3)


@pytest.fixture
def desk():
    anna, bram = UserFactory(username="anna"), UserFactory(username="bram")
    north, south = TeamFactory(name="Noord", members=[anna]), TeamFactory(name="Zuid", members=[bram])
    billing, repair = TopicFactory(name="Facturen"), TopicFactory(name="Reparatie")
    c = [CustomerFactory() for _ in range(10)]

    def contact(customer, when, team, user, topic, channel="phone", start=3, end=3, **fields):
        return ContactMomentFactory(
            customer=customer,
            occurred_at=when,
            team=team,
            logged_by=user,
            topic=topic,
            channel=channel,
            sentiment_start=start,
            sentiment_end=end,
            **fields,
        )

    m = {}
    # Noord
    m[1] = contact(c[1], at((11, 2), 9), north, anna, billing, start=3, end=2, is_complaint=True)  # worse
    m[2] = contact(c[1], at((11, 4), 10), north, anna, billing, start=2, end=2)  # repeat of m1
    m[3] = contact(c[2], at((11, 5), 11), north, anna, billing, "email", start=4, end=3)  # worse
    m[4] = contact(c[2], at((11, 6), 12), north, anna, billing, "email", start=3, end=4, direction="out")
    m[5] = contact(c[3], at((11, 3), 9), north, anna, repair, is_complaint=True)
    m[6] = contact(c[4], at((11, 8), 23, 30), north, anna, None, start=2, end=1)  # Sunday 23:30: week 45; worse
    # Zuid
    m[7] = contact(c[5], at((11, 2), 8), south, bram, repair, "email", start=3, end=4)
    m[8] = contact(c[5], at((11, 3), 8), south, bram, repair, start=3, end=2, is_complaint=True)  # repeat; worse
    m[9] = contact(c[6], at((11, 9), 0, 30), south, bram, billing)  # Monday 00:30: week 46
    m["10a"] = contact(c[7], at((11, 1), 23, 59), south, bram, billing)  # Sunday 23:59: week 44
    m["10b"] = contact(c[7], at((11, 2), 8), south, bram, billing)  # repeat of 10a, across the week's edge
    m[11] = contact(c[8], at((11, 4), 9), north, anna, billing, is_complaint=True, deleted_at=at((11, 4), 10))
    m[12] = contact(c[9], at((10, 14), 9), north, anna, repair, is_complaint=True)  # week 42
    # Promises made in contacts
    PromiseFactory(moment=m[1], due_at=at((11, 3), 17))  # open: broken (Facturen, phone, Noord)
    PromiseFactory(
        moment=m[5], due_at=at((11, 6), 17), status=Promise.Status.KEPT, kept_at=at((11, 7), 9)
    )  # kept late: not broken
    PromiseFactory(moment=m[7], due_at=at((11, 8), 23, 30))  # open: broken (Reparatie, e-mail, Zuid)
    PromiseFactory(moment=m[2], due_at=at((11, 9), 10))  # broken, but due in week 46
    PromiseFactory(moment=m[11], due_at=at((11, 5), 10))  # made in the deleted contact: not counted
    PromiseFactory(kind=Promise.Kind.CALLBACK, moment=m[1], owner=None, due_at=at((11, 3), 12))  # not a promise
    return {"north": north, "south": south, "billing": billing, "repair": repair, "m": m, "anna": anna}


def _figures(row) -> tuple:
    return (row.contacts, row.inbound, row.repeat, row.complaints, row.ended_worse, row.broken)


def _by_label(rows) -> dict:
    return {row.label: (row.rank, _figures(row), row.repeat_rate, row.ended_worse_share) for row in rows}


def test_week_45_all_teams_counted_by_hand(desk):
    result = chafes.chafes(last=W45, weeks=1, teams=None, now=NOW)

    # (rank, (contacts, inbound, repeat, complaints, ended worse, broken), repeat rate, ended-worse share)
    assert _by_label(result.topics) == {
        "Facturen": (1, (5, 4, 2, 1, 2, 1), Decimal("50.0"), Decimal("40.0")),  # m1 m2 m3 m4 m10b; P1
        "Reparatie": (2, (3, 3, 1, 2, 1, 1), Decimal("33.3"), Decimal("33.3")),  # m5 m7 m8; P3
        str(chafes.NO_TOPIC_LABEL): (None, (1, 1, 0, 0, 1, 0), Decimal("0.0"), Decimal("100.0")),  # m6: too few
    }
    assert [row.key for row in result.topics] == [str(desk["billing"].pk), str(desk["repair"].pk), chafes.NO_TOPIC]
    assert {row.key: (row.rank, _figures(row)) for row in result.channels} == {
        "phone": (1, (6, 6, 3, 3, 3, 1)),  # m1 m2 m5 m6 m8 m10b
        "email": (None, (3, 2, 0, 0, 1, 1)),  # m3 m4(out) m7: two inbound, too few to rank
    }


def test_one_team_counts_only_its_own(desk):
    north = chafes.chafes(last=W45, weeks=1, teams=[desk["north"].pk], now=NOW)
    south = chafes.chafes(last=W45, weeks=1, teams=[desk["south"].pk], now=NOW)

    assert {row.key: (row.rank, _figures(row)) for row in north.topics} == {
        str(desk["billing"].pk): (1, (4, 3, 1, 1, 2, 1)),  # m1 m2 m3 m4; P1
        str(desk["repair"].pk): (None, (1, 1, 0, 1, 0, 0)),  # m5; P2 was kept
        chafes.NO_TOPIC: (None, (1, 1, 0, 0, 1, 0)),  # m6
    }
    assert {row.key: (row.rank, _figures(row)) for row in south.topics} == {
        str(desk["repair"].pk): (None, (2, 2, 1, 1, 1, 1)),  # m7 m8; P3
        str(desk["billing"].pk): (None, (1, 1, 1, 0, 0, 0)),  # m10b
    }


def test_four_weeks_add_the_weeks_before(desk):
    result = chafes.chafes(last=W45, weeks=4, teams=None, now=NOW)

    assert [week.label for week in result.weeks] == ["2026-W42", "2026-W43", "2026-W44", "2026-W45"]
    figures = {row.key: _figures(row) for row in result.topics}
    assert figures[str(desk["billing"].pk)] == (6, 5, 2, 1, 2, 1)  # + m10a of week 44
    assert figures[str(desk["repair"].pk)] == (4, 4, 1, 3, 1, 1)  # + m12 of week 42
    assert result.topics[0].repeat_rate == Decimal("40.0")  # Facturen: 2 of 5
    assert result.topics[1].repeat_rate == Decimal("25.0")  # Reparatie: 1 of 4


def test_the_trend_has_twelve_weeks_per_topic(desk):
    result = chafes.chafes(last=W45, weeks=1, teams=None, now=NOW)

    assert result.trend_weeks[0].label == "2026-W34"
    assert len(result.trend_weeks) == 12
    billing = result.trend[str(desk["billing"].pk)]
    assert [(cell.inbound, cell.repeat, cell.broken) for cell in billing[-2:]] == [(1, 0, 0), (4, 2, 1)]
    repair = result.trend[str(desk["repair"].pk)]
    assert [cell.complaints for cell in repair[-4:]] == [1, 0, 0, 2]  # weeks 42 to 45


def test_ties_go_to_more_complaints_then_to_the_name(monkeypatch):
    rows = [
        chafes.Row("1", "B", contacts=4, inbound=4, repeat=1, complaints=0),
        chafes.Row("2", "A", contacts=4, inbound=4, repeat=1, complaints=0),
        chafes.Row("3", "C", contacts=4, inbound=4, repeat=1, complaints=2),
        chafes.Row("4", "D", contacts=2, inbound=2, repeat=2, complaints=5),  # two inbound: too few to rank
        chafes.Row("5", "E", contacts=8, inbound=8, repeat=4, complaints=0),
    ]

    ranked = chafes.ranked(rows)

    assert [(row.label, row.rank) for row in ranked] == [("E", 1), ("C", 2), ("A", 3), ("B", 4), ("D", None)]


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(1, 8, "12.5"), (1, 16, "6.3"), (3, 16, "18.8"), (5, 16, "31.3"), (1, 3, "33.3"), (2, 3, "66.7"), (0, 5, "0.0")],
)
def test_shares_round_halves_up(part, whole, shown):
    assert chafes.percent(part, whole) == Decimal(shown)


def test_a_share_of_nothing_is_none():
    assert chafes.percent(0, 0) is None


def test_rebuild_and_upkeep_agree(desk):
    kept_up = {(r.week, r.team_id): sorted(map(str, r.counts)) for r in TopicWeeklySummary.objects.all() if r.counts}

    TopicWeeklySummary.objects.all().delete()
    ContactMoment.objects.update(is_repeat=False)
    call_command("report_summaries_rebuild", stdout=io.StringIO())

    rebuilt = {(r.week, r.team_id): sorted(map(str, r.counts)) for r in TopicWeeklySummary.objects.all() if r.counts}
    assert rebuilt == kept_up
    assert len(kept_up) == 5  # Noord in weeks 42 and 45, Zuid in weeks 44, 45 and 46


def test_corrections_and_deletions_follow(desk, manager_user):
    m = desk["m"]

    contact_correct(moment=m[3], actor=manager_user, reason="was about a repair", topic=desk["repair"])
    contact_delete(moment=m[1], actor=manager_user, reason="logged twice")
    result = chafes.chafes(last=W45, weeks=1, teams=None, now=NOW)

    figures = {row.key: _figures(row) for row in result.topics}
    # Facturen: m2 (no longer a repeat: m1 is gone) m4 m10b; P1 was cancelled with m1
    assert figures[str(desk["billing"].pk)] == (3, 2, 1, 0, 0, 0)
    assert figures[str(desk["repair"].pk)] == (4, 4, 1, 2, 2, 1)  # + m3, inbound and worse


# The page ------------------------------------------------------------------------------------------------------


def _client(client, role, teams=()):
    user = UserFactory(role=role)
    for team in teams:
        team.lead = user
        team.save()
    client.force_login(user)
    return client


def test_the_page_shows_the_ranking_and_links_each_number(client, desk):
    client = _client(client, roles.MANAGER)

    page = client.get(reverse("reports:chafes"), {"week": W45.label, "weeks": 1}).content.decode()

    billing = desk["billing"].pk
    assert "50,0 %" in page and "(2/4)" in page
    assert f"figure=repeat&amp;topic={billing}&amp;weeks=1&amp;week=2026-W45" in page
    assert "figure=broken&amp;channel=email" in page
    assert 'id="chafes-trend-table"' in page and "chafes-trend-data" in page


def test_the_drill_down_lists_the_contacts_behind_a_number(client, desk):
    client = _client(client, roles.MANAGER)
    m = desk["m"]

    def listed(**query):
        response = client.get(reverse("reports:chafe-contacts"), {"week": W45.label, "weeks": 1, **query})
        assert response.status_code == 200
        return {pk for pk in m.values() if f'data-contact="{pk.pk}"' in response.content.decode()}

    assert listed(figure="repeat", topic=desk["billing"].pk) == {m[2], m["10b"]}
    assert listed(figure="ended_worse", topic="none") == {m[6]}
    assert listed(figure="complaints", channel="phone") == {m[1], m[5], m[8]}
    assert listed(figure="broken", channel="email") == {m[7]}
    assert listed(figure="inbound", topic=desk["repair"].pk, team=desk["south"].pk) == {m[7], m[8]}


def test_the_drill_down_pages(client, desk, monkeypatch):
    monkeypatch.setattr(chafes_views, "PAGE_SIZE", 2)
    client = _client(client, roles.MANAGER)
    query = {"week": W45.label, "weeks": 1, "figure": "contacts", "channel": "phone"}  # six contacts, newest first

    first = client.get(reverse("reports:chafe-contacts"), query).content.decode()
    third = client.get(reverse("reports:chafe-contacts"), {**query, "page": 3}).content.decode()

    m = desk["m"]
    assert f'data-contact="{m[6].pk}"' in first and f'data-contact="{m[2].pk}"' in first  # Sun 8, Wed 4
    assert 'rel="next"' in first
    assert f'data-contact="{m["10b"].pk}"' in third and f'data-contact="{m[1].pk}"' in third  # Mon 2 08:00, 09:00
    assert 'rel="next"' not in third


def test_a_lead_sees_only_their_teams_contacts(client, desk):
    client = _client(client, roles.TEAM_LEAD, teams=[desk["south"]])

    page = client.get(reverse("reports:chafes"), {"week": W45.label, "weeks": 1})
    listed = client.get(reverse("reports:chafe-contacts"), {"week": W45.label, "weeks": 1, "figure": "contacts"})
    other = client.get(reverse("reports:chafe-contacts"), {"figure": "contacts", "team": desk["north"].pk})

    assert page.status_code == 200 and "Zuid" in page.content.decode()
    assert {pk for pk in (m.pk for m in desk["m"].values()) if f'data-contact="{pk}"' in listed.content.decode()} == {
        desk["m"][7].pk,
        desk["m"][8].pk,
        desk["m"]["10b"].pk,
    }
    assert other.status_code == 404


def test_staff_may_not_see_it(client, desk):
    client = _client(client, roles.STAFF)

    assert client.get(reverse("reports:chafes")).status_code == 403
    assert client.get(reverse("reports:chafe-contacts"), {"figure": "contacts"}).status_code == 403


def test_the_page_costs_the_same_queries_whatever_it_shows(client, desk):
    client = _client(client, roles.MANAGER)
    url = reverse("reports:chafes")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"week": W45.label, "weeks": 12}).status_code == 200
        return len(captured)

    before = queries()
    team = TeamFactory(name="West")
    for n in range(6):
        topic = TopicFactory(name=f"Onderwerp {n}")
        moment = ContactMomentFactory(
            occurred_at=at((11, 3), 10) - timedelta(weeks=n), team=team, topic=topic, channel="chat"
        )
        PromiseFactory(moment=moment, due_at=at((11, 4), 10))

    assert queries() == before


def test_the_drill_down_costs_the_same_queries_for_more_contacts(client, desk):
    client = _client(client, roles.MANAGER)
    url = reverse("reports:chafe-contacts")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"week": W45.label, "weeks": 1, "figure": "contacts"}).status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        ContactMomentFactory(occurred_at=at((11, 5), 10 + n), team=TeamFactory(), topic=TopicFactory())

    assert queries() == before


# The Monday e-mail ---------------------------------------------------------------------------------------------


def test_the_monday_mail_names_the_topics_that_chafed_most(desk):
    UserFactory(username="mila", role=roles.MANAGER, email="mila@example.com")
    monday = datetime(2026, 11, 9, 7, 0, tzinfo=AMS)

    weekly_report_mails_create(now=monday)

    mail = Notification.objects.get(kind=Notification.Kind.WEEKLY_REPORT)
    body = mail.body
    block = body[body.index("1. ") :]
    assert block.index("Facturen") < block.index("Reparatie")
    assert "1. Facturen" in body and "2. Reparatie" in body
    assert "(2/4)" in body and "(1/3)" in body
    assert "3. " not in block  # "no topic" has too few inbound contacts to rank
    assert f"/reports/chafes/?week={W45.label}&weeks=1" in body
    assert f"/reports/chafes/?week={W45.label}&amp;weeks=1" in mail.html_body


def test_the_weekly_report_links_to_the_page(client, desk):
    client = _client(client, roles.MANAGER)

    page = client.get(reverse("reports:weekly"), {"week": W45.label}).content.decode()

    assert f"{reverse('reports:chafes')}?week={W45.label}&amp;weeks=1" in page


def test_weeks_are_the_last_complete_ones_by_default(client, desk):
    client = _client(client, roles.MANAGER)
    this_week = IsoWeek.containing(datetime.now(AMS).date())

    page = client.get(reverse("reports:chafes"), {"weeks": 4}).content.decode()

    assert this_week.previous().label in page

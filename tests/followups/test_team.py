"""The team lead's dashboard: overdue and broken by person and age, filters, bulk reassign."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcare import roles
from followups.models import CheckIn, Notification, Promise

from ..factories import (
    CheckInFactory,
    CheckInPolicyFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(db):
    lead = UserFactory(username="lotte", first_name="Lotte", role=roles.TEAM_LEAD)
    anna, bram = UserFactory(username="anna", first_name="Anna"), UserFactory(username="bram", first_name="Bram")
    team = TeamFactory(name="Noord", lead=lead, members=[lead, anna, bram])
    return team, lead, anna, bram


def _checkin(team, user, days_late, kind="3d", topic=None):
    origin = ContactMomentFactory(customer=CustomerFactory(), team=team, logged_by=user, topic=topic)
    return CheckInFactory(
        origin=origin, assignee=user, team=team, kind=kind, due_date=timezone.localdate() - timedelta(days=days_late)
    )


def _promise(team, user, hours_late):
    moment = ContactMomentFactory(customer=CustomerFactory(), team=team, logged_by=user)
    return PromiseFactory(moment=moment, owner=user, due_at=timezone.now() - timedelta(hours=hours_late))


def test_overdue_and_broken_are_grouped_by_person_and_age_oldest_first(client, team):
    team, lead, anna, bram = team
    a1, a2, b1 = _checkin(team, anna, 1), _checkin(team, anna, 9), _checkin(team, bram, 4)
    _checkin(team, anna, 0)  # due today: not overdue
    p1 = _promise(team, bram, 2)
    _checkin(TeamFactory(), anna, 5)  # another team's
    client.force_login(lead)

    board = client.get(reverse("followups:team-board", args=[team.pk])).context["board"]

    assert list(board.checkins.object_list) == [a2, b1, a1]
    assert list(board.promises.object_list) == [p1]
    people = {row.user.username: row for row in board.people}
    assert people["anna"].ages == {"1-2": 1, "3-7": 0, "8+": 1}
    assert people["bram"].ages == {
        "1-2": 1,
        "3-7": 1,
        "8+": 0,
    }  # a promise broken 2 hours ago and a check-in 4 days late
    assert (people["anna"].open, people["anna"].due_today, people["anna"].overdue) == (3, 1, 2)
    assert (people["bram"].overdue, people["bram"].broken) == (1, 1)


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"person": "anna"}, ["anna-6w", "anna-3d"]),
        ({"kind": "6w"}, ["anna-6w"]),
        ({"kind": "promise"}, ["promise"]),
        ({"age": "8+"}, ["anna-6w"]),
        ({"age": "1-2"}, ["promise", "bram-3d"]),
        ({"topic": "storing"}, ["bram-3d"]),
    ],
)
def test_filters_narrow_the_lists(client, team, params, expected):
    team, lead, anna, bram = team
    storing = TopicFactory(name="Storing")
    items = {
        "anna-3d": _checkin(team, anna, 5),
        "anna-6w": _checkin(team, anna, 10, kind="6w"),
        "bram-3d": _checkin(team, bram, 1, topic=storing),
        "promise": _promise(team, bram, 3),
    }
    query = {**params}
    if "person" in query:
        query["person"] = {"anna": anna, "bram": bram}[query["person"]].pk
    if "topic" in query:
        query["topic"] = storing.pk
    client.force_login(lead)

    board = client.get(reverse("followups:team-board", args=[team.pk]), query).context["board"]

    shown = [*board.promises.object_list, *board.checkins.object_list]
    assert shown == [items[name] for name in expected]


def test_bulk_reassign_asks_to_confirm_then_moves_and_records_who(client, team):
    team, lead, anna, bram = team
    checkins = [_checkin(team, anna, days) for days in (1, 2, 3)]
    promise = _promise(team, anna, 5)
    client.force_login(lead)
    data = {"checkins": [c.pk for c in checkins], "promises": [promise.pk], "assignee": bram.pk}
    url = reverse("followups:team-reassign", args=[team.pk])

    confirm = client.post(url, data, headers={"Accept-Language": "en"})
    untouched = CheckIn.objects.filter(assignee=bram).count()
    done = client.post(url, {**data, "confirm": "1"}, follow=True, headers={"Accept-Language": "en"})

    assert "This gives 4 items to" in confirm.content.decode()
    assert untouched == 0
    assert "3 check-ins and 1 promises now go to" in done.content.decode()
    assert CheckIn.objects.filter(assignee=bram).count() == 3
    assert Promise.objects.get(pk=promise.pk).owner == bram
    history = checkins[0].history.first()
    assert (history.history_user, history.assignee_id) == (lead, bram.pk)
    assert "reassigned" in history.history_change_reason
    assert Notification.objects.filter(recipient=bram, kind="promise_assigned").count() == 1


def test_an_inactive_member_cannot_be_picked(client, team):
    team, lead, anna, bram = team
    bram.is_active = False
    bram.save()
    checkin = _checkin(team, anna, 2)
    client.force_login(lead)

    board = client.get(reverse("followups:team-board", args=[team.pk]))
    response = client.post(
        reverse("followups:team-reassign", args=[team.pk]),
        {"checkins": [checkin.pk], "assignee": bram.pk, "confirm": "1"},
        follow=True,
        headers={"Accept-Language": "en"},
    )

    assert f'<option value="{bram.pk}"' not in board.content.decode()
    assert "Select a valid choice" in response.content.decode()
    checkin.refresh_from_db()
    assert checkin.assignee == anna


def test_another_teams_items_cannot_be_reassigned(client, team):
    team, lead, anna, bram = team
    foreign = _checkin(TeamFactory(), anna, 2)
    client.force_login(lead)

    client.post(
        reverse("followups:team-reassign", args=[team.pk]),
        {"checkins": [foreign.pk], "assignee": bram.pk, "confirm": "1"},
    )

    foreign.refresh_from_db()
    assert foreign.assignee == anna


def test_every_item_links_to_the_customer(client, team):
    team, lead, anna, _ = team
    checkin = _checkin(team, anna, 3)
    client.force_login(lead)

    html = client.get(reverse("followups:team-board", args=[team.pk])).content.decode()

    assert f'href="{checkin.customer.get_absolute_url()}"' in html


def test_the_kind_filter_offers_what_the_policies_plan_and_planned_never_a_scan_of_every_check_in(client, team):
    # given a policy whose offsets were changed (its history keeps "2w"), and the default policy
    team, lead, anna, _ = team
    CheckInPolicyFactory()  # 3d, 6w
    policy = CheckInPolicyFactory(name="Klachten", offsets="2w")
    policy.offsets = "10d"
    policy.save()
    odd = _checkin(team, anna, 2, kind="4d")  # a kind no policy knows (old data): shown because it is on the page
    closed = _checkin(team, anna, 5, kind="9w")
    closed.status = CheckIn.Status.DONE
    closed.done_date = timezone.localdate()
    closed.save()
    client.force_login(lead)
    url = reverse("followups:team-board", args=[team.pk])

    board = client.get(url).context["board"]
    chosen = client.get(url, {"kind": "5w"}).context["board"]

    # by length of the offset, then keep informed (issue 13); old data last
    assert board.kinds == ["3d", "10d", "2w", "6w", "update", odd.kind]
    assert "9w" not in board.kinds  # a closed check-in of a kind no policy plans is not offered
    assert "5w" in chosen.kinds  # a kind chosen by hand stays selectable

"""Callbacks on My day, the team board and the top bar: labelled "Call back", the team's queue for the unowned."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from followups.models import Promise
from followups.my_day import my_day_counts
from followups.services import callback_for_missed_call
from followups.top_bar import top_bar
from tests.factories import CustomerFactory, TeamFactory, UserFactory

EN = {"Accept-Language": "en"}


def miss(team, actor, *, number="+31612345678", customer=None, person=None, ago=timedelta(minutes=5)):
    return callback_for_missed_call(
        team=team, number=number, customer=customer, person=person, missed_at=timezone.now() - ago, actor=actor
    )


def numbers(count: int) -> list[str]:
    return [f"+3161{n:07d}" for n in range(1, count + 1)]


def test_a_members_my_day_shows_the_teams_unowned_callbacks(client, team, anna, system, customer):
    known = miss(team, system, customer=customer)
    unknown = miss(team, system, number="+31201234567")
    TeamFactory(name="Elsewhere")  # another team's callbacks are not hers
    miss(TeamFactory(name="Other"), system, number="+31301234567")

    client.force_login(anna)
    response = client.get(reverse("followups:my-day"), headers=EN)

    day = response.context["day"]
    assert {p.pk for p in day.callbacks.items} == {known.pk, unknown.pk}
    html = response.content.decode()
    section = html.partition('id="section-callbacks"')[2].partition("</section>")[0]
    assert "Missed calls to call back" in html
    assert "Call back" in section
    assert "Fenna Bakker" in section
    assert "020 123 4567" in section  # the unknown number, as people read it
    log_known = reverse("followups:contact-log", args=[customer.pk]) + "?direction=out&amp;channel=phone"
    assert log_known in section
    assert reverse("contacts:customer-create") + "?phone=%2B31201234567" in section
    assert "team queue" in section


def test_an_owned_callback_is_on_its_owners_own_list_not_the_queue(client, team, anna, bram, system, customer):
    callback = miss(team, system, customer=customer, person=anna, ago=timedelta(days=3))  # broken by now

    client.force_login(anna)
    day = client.get(reverse("followups:my-day"), headers=EN).context["day"]
    assert [p.pk for p in day.broken.items] == [callback.pk]
    assert day.callbacks.count == 0

    client.force_login(bram)
    day = client.get(reverse("followups:my-day"), headers=EN).context["day"]
    assert (day.broken.count, day.callbacks.count) == (0, 0)


def test_an_owned_callback_is_listed_from_the_moment_of_the_missed_call_whenever_it_is_due(
    client, team, anna, system, customer
):
    callback = miss(team, system, customer=customer, person=anna)  # due within two business hours, maybe tomorrow

    client.force_login(anna)
    day = client.get(reverse("followups:my-day"), headers=EN).context["day"]

    assert [p.pk for p in day.callbacks.items] == [callback.pk]
    assert (day.promises_today.count, day.counts.own_callbacks) == (0, 1)  # listed once
    assert day.counts.total == 1


def test_the_top_bar_counts_owned_callbacks_as_my_day_does_but_not_the_queue(team, anna, system, customer):
    miss(team, system, customer=customer, person=anna, ago=timedelta(days=3))  # broken
    miss(team, system, number="+31301234567", person=anna)  # not yet due
    miss(team, system, number="+31201234567")  # the team's

    now = timezone.now()
    assert top_bar(user=anna, now=now, heartbeat="x").my_day_count == 2
    assert my_day_counts(user=anna, now=now).total == 2


def test_a_kept_callback_leaves_my_day(client, team, anna, system, customer):
    callback = miss(team, system, customer=customer)
    client.force_login(anna)
    response = client.post(reverse("followups:promise-keep", args=[callback.pk]), headers=EN)
    assert response.status_code in (200, 302)
    callback.refresh_from_db()
    assert callback.status == Promise.Status.KEPT
    assert client.get(reverse("followups:my-day")).context["day"].callbacks.count == 0


def test_my_day_with_callbacks_runs_a_constant_number_of_queries(client, system, django_assert_max_num_queries):
    few_user, many_user = UserFactory(username="few"), UserFactory(username="many")
    few_team, many_team = TeamFactory(members=[few_user]), TeamFactory(members=[many_user])
    for number in numbers(3):
        miss(few_team, system, number=number)
    for number in numbers(60):
        miss(many_team, system, number=number, customer=CustomerFactory(phone=number))

    client.force_login(few_user)
    with django_assert_max_num_queries(11) as few:  # 11: the handovers are counted too (issue 13)
        few_day = client.get(reverse("followups:my-day")).context["day"]
    client.force_login(many_user)
    with django_assert_max_num_queries(11) as many:
        many_day = client.get(reverse("followups:my-day")).context["day"]

    assert (few_day.callbacks.count, len(few_day.callbacks.items)) == (3, 3)
    assert (many_day.callbacks.count, len(many_day.callbacks.items)) == (60, 25)
    assert len(few) == len(many)


def test_show_more_pages_through_the_teams_callbacks(client, system):
    user = UserFactory(username="pager")
    team = TeamFactory(members=[user])
    made = [miss(team, system, number=number) for number in numbers(30)]
    client.force_login(user)
    first = client.get(reverse("followups:my-day")).context["day"].callbacks
    second = (
        client.get(reverse("followups:my-day"), {"section": "callbacks", "after": first.next_cursor})
        .context["day"]
        .callbacks
    )
    assert [p.pk for p in first.items + second.items] == [p.pk for p in sorted(made, key=lambda p: (p.due_at, p.pk))]


def test_the_team_board_shows_a_broken_callback_in_the_queue(client, team, lead, system, customer):
    callback = miss(team, system, number="+31201234567", ago=timedelta(days=3))
    miss(team, system, customer=customer, person=lead, ago=timedelta(days=3))
    client.force_login(lead)

    response = client.get(reverse("followups:team-board", args=[team.pk]), {"person": "queue"}, headers=EN)

    assert response.status_code == 200
    board = response.context["board"]
    assert [p.pk for p in board.promises.object_list] == [callback.pk]
    html = response.content.decode()
    assert "020 123 4567" in html and "Call back" in html and "team queue" in html
    queue_row = next(row for row in board.people if row.user is None)
    assert queue_row.broken == 1


def test_the_team_board_with_callbacks_runs_a_constant_number_of_queries(
    client, lead, system, django_assert_max_num_queries
):
    small, large = TeamFactory(lead=lead, name="Small"), TeamFactory(lead=lead, name="Large")
    for number in numbers(2):
        miss(small, system, number=number, ago=timedelta(days=3))
    for number in numbers(40):
        miss(large, system, number=number, customer=CustomerFactory(phone=number), ago=timedelta(days=3))
    client.force_login(lead)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("followups:team-board", args=[small.pk]))
    with django_assert_max_num_queries(30) as many:
        client.get(reverse("followups:team-board", args=[large.pk]))
    assert len(few) == len(many)

"""The caller log, the line's token page and the simulator page: who sees what, and at what cost."""

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from contactcare import roles
from cti import services, simulator
from cti.models import Call, CtiLine
from cti.services import call_event
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def make_calls(line, count, *, start=0, number="0612345678"):
    now = timezone.now()
    for i in range(start, start + count):
        data = {"from": number, "to": "+31201234567", "direction": "in", "callId": f"c{i}", "user[]": ["sanne"]}
        call_event(line=line, event="newCall", data=data, now=now - timedelta(seconds=60))
        if i % 2:
            call_event(line=line, event="hangup", data={**data, "cause": "noAnswer"}, now=now)
        else:
            call_event(
                line=line, event="answer", data={**data, "answeringNumber": "sanne"}, now=now - timedelta(seconds=50)
            )
            call_event(line=line, event="hangup", data={**data, "cause": "normalClearing"}, now=now)


def login(client, team, username="sanne"):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_staff_see_their_teams_calls_with_counts_and_links(client, line):
    customer = CustomerFactory(phone="+31612345678")
    make_calls(line, 2)

    response = login(client, line.team).get(reverse("cti:caller-log"), **EN)

    assert response.status_code == 200
    page = response.content.decode()
    shown = unescape(page)  # a name like "van 't Riet" is escaped in the HTML
    assert customer.full_name in shown or customer.form_of_address in shown
    assert f"?call={Call.objects.first().pk}&amp;channel=phone&amp;direction=in" in page  # Log now, pre-filled
    assert response.context["figures"]["total"].total == 2
    assert response.context["figures"]["total"].answered == 1
    assert response.context["figures"]["total"].missed == 1
    assert response.context["figures"]["total"].talk == timedelta(seconds=50)
    assert [p.label for p in response.context["figures"]["people"]] == ["Sanne Staff"]


def test_another_teams_calls_are_absent(client, line, manager_user):
    make_calls(line, 2)
    stranger = UserFactory(username="stranger", role=roles.STAFF)
    TeamFactory(name="Other", members=[stranger])
    client.force_login(stranger)

    response = client.get(reverse("cti:caller-log"), **EN)
    assert response.status_code == 200
    assert response.context["calls"] == []
    # asking for the other team by id is an invalid choice, not a peek
    response = client.get(reverse("cti:caller-log"), {"team": line.team.pk}, **EN)
    assert response.context["calls"] == []


def test_managers_see_every_team(client, line, manager_user):
    make_calls(line, 3)
    client.force_login(manager_user)
    assert len(client.get(reverse("cti:caller-log"), **EN).context["calls"]) == 3


def test_an_unknown_number_offers_a_new_customer_and_a_shared_number_lists_them(client, line):
    make_calls(line, 1, number="0687654321")
    a, b = CustomerFactory(phone="+31611111111"), CustomerFactory(phone="+31611111111")
    make_calls(line, 1, start=10, number="0611111111")

    page = login(client, line.team).get(reverse("cti:caller-log"), **EN).content.decode()

    assert "Unknown number" in page
    assert f"{reverse('contacts:customer-create')}?q=%2B31687654321" in page
    assert "Several customers have this number" in page
    assert a.get_absolute_url() in page and b.get_absolute_url() in page


def test_the_day_picker_shows_another_day_and_refuses_year_one(client, line):
    make_calls(line, 1)
    client = login(client, line.team)
    yesterday = timezone.localdate() - timedelta(days=1)
    assert client.get(reverse("cti:caller-log"), {"day": yesterday.isoformat()}, **EN).context["calls"] == []
    for day in ("0001-01-01", "9999-12-31", "2026-02-30", "x"):
        response = client.get(reverse("cti:caller-log"), {"day": day}, **EN)
        assert response.status_code == 200
    response = client.get(reverse("cti:caller-log"), {"team": "99999999999999999999"}, **EN)
    assert response.status_code == 200


def test_the_caller_log_runs_a_constant_number_of_queries(client, line, django_assert_max_num_queries):
    client = login(client, line.team)
    make_calls(line, 2)
    CustomerFactory(phone="+31612345678")
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("cti:caller-log"), **EN)
    make_calls(line, 30, start=100, number="0622222222")
    CustomerFactory(phone="+31622222222")
    CustomerFactory(phone="+31622222222")
    with django_assert_max_num_queries(20) as many:
        client.get(reverse("cti:caller-log"), **EN)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_people_without_the_role_get_403(client, line):
    client.force_login(UserFactory(username="norole", role=""))
    assert client.get(reverse("cti:caller-log")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, line):
    assert client.get(reverse("cti:caller-log")).status_code == 302


def test_only_managers_manage_the_line_and_simulate(client, line):
    client = login(client, line.team, "desklead")
    assert client.get(reverse("cti:line-list")).status_code == 403
    assert client.post(reverse("cti:line-list"), {"team": line.team.pk}).status_code == 403
    assert client.get(reverse("cti:simulate")).status_code == 403


def test_a_manager_makes_a_new_address_shown_once_and_the_old_one_stops(client, line, token, manager_user):
    client.force_login(manager_user)
    response = client.post(reverse("cti:line-list"), {"team": line.team.pk}, **EN)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    endpoint = response.context["endpoint"]
    new_token = endpoint.rstrip("/").rsplit("/", 1)[-1]
    assert services.line_for_token(new_token) == line
    assert services.line_for_token(token) is None
    assert new_token not in client.get(reverse("cti:line-list"), **EN).content.decode()


def test_a_manager_connects_a_team_without_a_line(client, manager_user):
    team = TeamFactory(name="New desk")
    client.force_login(manager_user)
    assert client.post(reverse("cti:line-list"), {"team": team.pk}, **EN).status_code == 200
    assert CtiLine.objects.filter(team=team).exists()
    assert client.post(reverse("cti:line-list"), {"team": "99999999999999999999"}, **EN).status_code == 200


@pytest.mark.parametrize("scenario", list(simulator.SCENARIOS))
def test_the_simulate_page_fires_a_call(client, desk, manager_user, scenario):
    CustomerFactory(phone="+31612345678")
    client.force_login(manager_user)
    response = client.post(
        reverse("cti:simulate"), {"team": desk.pk, "scenario": scenario, "from_number": "", "username": "sanne"}, **EN
    )
    assert response.status_code == 302
    call = Call.objects.get()
    expected = {
        "answered": Call.State.ENDED,
        "unknown": Call.State.ENDED,
        "missed": Call.State.MISSED,
        "busy": Call.State.MISSED,
        "anonymous": Call.State.MISSED,
        "ringing": Call.State.RINGING,
    }[scenario]
    assert call.state == expected
    assert call.user.username == "sanne"
    if scenario == "answered":
        assert call.duration == timedelta(seconds=20)
    if scenario == "unknown":
        assert call.customer is None and call.caller_number


def test_the_simulate_page_refuses_a_stranger_as_the_person(client, desk, manager_user):
    client.force_login(manager_user)
    response = client.post(
        reverse("cti:simulate"), {"team": desk.pk, "scenario": "answered", "username": "nobody"}, **EN
    )
    assert response.status_code == 200
    assert "Nobody with this user name" in response.content.decode()
    assert not Call.objects.exists()

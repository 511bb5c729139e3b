"""Who may act on a check-in or promise: every action URL × every kind of actor (issue #8).

The rule (followups/access.py): acting on a check-in or promise is allowed to
its assignee or owner, the members of its team, that team's lead and managers;
everyone else gets 404; anonymous users go to the login page. A team's board
and reassigning its work: its lead and managers; a lead of another team gets
404, staff 403.

Allowed actors must really change the state; refused ones must change nothing.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contactcare import roles
from followups.handovers import Receiver, handover_create
from followups.models import CheckIn, Handover, Promise
from reports.weeks import IsoWeek

from .dates import business_day_ahead
from .factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory
from .forms import contact_log_data

pytestmark = pytest.mark.django_db

ACTORS = ["team_staff", "assignee", "other_staff", "team_lead", "other_lead", "manager", "anonymous"]
ON_THE_ITEM = {"team_staff", "assignee", "team_lead", "manager"}  # may act on the team's check-ins and promises
ON_THE_TEAM = {"team_lead", "manager"}  # may open the team's board and reassign its work


@dataclass
class Desk:
    users: dict
    team: object
    checkin: CheckIn
    promise: Promise
    handover: Handover
    other_team: object


@pytest.fixture
def desk(db) -> Desk:
    """Team Noord (staff, the assignee, a lead) and Team Zuid (staff, a lead), and a manager."""
    users = {
        "team_staff": UserFactory(username="noor", role=roles.STAFF),
        "assignee": UserFactory(username="anna", role=roles.STAFF),
        "other_staff": UserFactory(username="zara", role=roles.STAFF),
        "team_lead": UserFactory(username="lies", role=roles.TEAM_LEAD),
        "other_lead": UserFactory(username="lex", role=roles.TEAM_LEAD),
        "manager": UserFactory(username="mila", role=roles.MANAGER),
    }
    team = TeamFactory(name="Noord", members=[users["team_staff"], users["assignee"]], lead=users["team_lead"])
    other_team = TeamFactory(name="Zuid", members=[users["other_staff"]], lead=users["other_lead"])
    moment = ContactMomentFactory(customer=CustomerFactory(), team=team, logged_by=users["assignee"])
    checkin = CheckInFactory(origin=moment, assignee=users["assignee"], due_date=timezone.localdate())
    promise = PromiseFactory(moment=moment, due_at=timezone.now() + timedelta(days=1))
    assert (checkin.team, promise.team, promise.owner) == (team, team, users["assignee"])
    # Zuid hands the customer over to Noord (issue 13): Noord's members, its lead and managers may answer it
    handover = handover_create(
        customer=moment.customer, actor=users["other_staff"], to=Receiver(team=team), note="Needs Noord's help"
    )
    return Desk(users=users, team=team, checkin=checkin, promise=promise, handover=handover, other_team=other_team)


def _client(desk: Desk, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(desk.users[actor])
    return client


def _state(desk: Desk) -> dict:
    """Everything an action could change, read fresh from the database."""
    checkin, promise = CheckIn.objects.get(pk=desk.checkin.pk), Promise.objects.get(pk=desk.promise.pk)
    handover = Handover.objects.get(pk=desk.handover.pk)
    return {
        "checkin": (checkin.status, checkin.due_date, checkin.assignee_id, checkin.skip_reason, checkin.closed_at),
        "promise": (promise.status, promise.kept_at, promise.cancelled_at, promise.cancel_reason, promise.owner_id),
        "checkin_history": checkin.history.count(),
        "promise_history": promise.history.count(),
        "handover": (handover.status, handover.answered_by_id, handover.answered_at),
        "handovers": Handover.objects.count(),
    }


def _tomorrow():
    return business_day_ahead(1)


# --- The actions on one check-in or promise ------------------------------------

# name: (method, url name, object, data, what has changed when it was done)
ITEM_ACTIONS = {
    "skip-get": ("GET", "followups:checkin-skip", "checkin", {}, None),
    "skip-post": (
        "POST",
        "followups:checkin-skip",
        "checkin",
        {"reason": "Customer on holiday"},
        lambda d: CheckIn.objects.get(pk=d.checkin.pk).status == CheckIn.Status.SKIPPED,
    ),
    "reschedule-get": ("GET", "followups:checkin-reschedule", "checkin", {}, None),
    "reschedule-post": (
        "POST",
        "followups:checkin-reschedule",
        "checkin",
        {"due_date": "{tomorrow}", "reason": "Asked to call later"},
        lambda d: CheckIn.objects.get(pk=d.checkin.pk).due_date == _tomorrow(),
    ),
    "cancel-get": ("GET", "followups:promise-cancel", "promise", {}, None),
    "cancel-post": (
        "POST",
        "followups:promise-cancel",
        "promise",
        {"reason": "No longer needed"},
        lambda d: Promise.objects.get(pk=d.promise.pk).status == Promise.Status.CANCELLED,
    ),
    "keep-post": (
        "POST",
        "followups:promise-keep",
        "promise",
        {},
        lambda d: Promise.objects.get(pk=d.promise.pk).status == Promise.Status.KEPT,
    ),
    # Issue 13: a handover to the team, accepted or passed on by its members, its lead and managers
    "handover-accept-get": ("GET", "followups:handover-accept", "handover", {}, None),
    "handover-accept-post": (
        "POST",
        "followups:handover-accept",
        "handover",
        {"promises": "{promise}"},
        lambda d: Handover.objects.get(pk=d.handover.pk).status == Handover.Status.ACCEPTED,
    ),
    "handover-pass-on-get": ("GET", "followups:handover-pass-on", "handover", {}, None),
    "handover-pass-on-post": (
        "POST",
        "followups:handover-pass-on",
        "handover",
        {"to": "{other_team}", "note": "Zuid can help after all"},
        lambda d: Handover.objects.get(pk=d.handover.pk).status == Handover.Status.PASSED_ON,
    ),
}


def _expected_item(actor: str) -> int:
    if actor == "anonymous":
        return 302
    return 200 if actor in ON_THE_ITEM else 404


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", ITEM_ACTIONS)
def test_acting_on_a_check_in_or_promise(desk, action, actor):
    # given
    method, url_name, target, data, done = ITEM_ACTIONS[action]
    url = reverse(url_name, args=[getattr(desk, target).pk])
    filled = {"{tomorrow}": _tomorrow().isoformat(), "{promise}": desk.promise.pk}
    filled["{other_team}"] = f"team:{desk.other_team.pk}"
    data = {key: filled.get(value, value) for key, value in data.items()}
    before = _state(desk)
    # when
    client = _client(desk, actor)
    response = client.get(url) if method == "GET" else client.post(url, data)
    # then
    allowed = _expected_item(actor) == 200
    if allowed and method == "POST":
        assert response.status_code == 302, response.content[:500]  # back to where the user was
        assert done(desk), f"{actor} was allowed to {action} but nothing changed"
        return
    assert response.status_code == _expected_item(actor)
    if actor == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    assert _state(desk) == before


# --- "Call now": the log form offers a check-in only to who may act on it --------


@pytest.mark.parametrize("actor", ACTORS)
def test_the_log_form_offers_the_check_in_only_to_who_may_act_on_it(desk, actor):
    url = reverse("followups:contact-log", args=[desk.checkin.customer_id])
    before = _state(desk)

    response = _client(desk, actor).get(url, {"checkin": desk.checkin.pk})

    if actor == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200  # the customer is everyone's; the check-in is not
        offered = response.context["checkin"]
        assert (offered == desk.checkin) is (actor in ON_THE_ITEM)
        html = response.content.decode()
        assert (f'name="checkin" value="{desk.checkin.pk}"' in html) is (actor in ON_THE_ITEM)
    assert _state(desk) == before


@pytest.mark.parametrize("actor", ["other_staff", "other_lead"])
def test_logging_with_another_teams_check_in_does_not_complete_it(desk, actor):
    client = _client(desk, actor)
    url = reverse("followups:contact-log", args=[desk.checkin.customer_id])

    client.post(url, contact_log_data(checkin=str(desk.checkin.pk), direction="out"))

    assert CheckIn.objects.get(pk=desk.checkin.pk).status == CheckIn.Status.OPEN


# --- The team's board and reassigning its work ---------------------------------


def _expected_team(actor: str) -> int:
    if actor == "anonymous":
        return 302
    if actor in ON_THE_TEAM:
        return 200
    return 404 if actor == "other_lead" else 403


@pytest.mark.parametrize("actor", ACTORS)
def test_the_team_board(desk, actor):
    response = _client(desk, actor).get(reverse("followups:team-board", args=[desk.team.pk]))

    assert response.status_code == _expected_team(actor)
    if actor == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("actor", ACTORS)
def test_reassigning_the_teams_work(desk, actor):
    # given: the check-in and the promise go from the assignee to a colleague
    client = _client(desk, actor)
    url = reverse("followups:team-reassign", args=[desk.team.pk])
    to = desk.users["team_staff"]
    data = {"checkins": [desk.checkin.pk], "promises": [desk.promise.pk], "assignee": to.pk}
    before = _state(desk)
    # when: the selection is shown, then confirmed
    shown = client.post(url, data)
    response = client.post(url, _hidden_fields(shown) | data | {"confirm": "1"}) if shown.status_code == 200 else shown
    # then
    if _expected_team(actor) == 200:
        assert response.status_code == 302
        assert CheckIn.objects.get(pk=desk.checkin.pk).assignee == to
        assert Promise.objects.get(pk=desk.promise.pk).owner == to
        return
    assert shown.status_code == _expected_team(actor)
    if actor == "anonymous":
        assert shown["Location"].startswith(reverse("login"))
    assert _state(desk) == before


def _hidden_fields(response) -> dict:
    """The hidden inputs of the confirmation page other than the selection (e.g. its one-time key)."""
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", response.content.decode()):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) not in {"csrfmiddlewaretoken", "checkins", "promises"}:
            found[name.group(1)] = unescape(value.group(1)) if value else ""
    return found


# --- Issue 13: the reply-by sentence on the log form, and the desk's settings ------------


@pytest.mark.parametrize("actor", ACTORS)
def test_the_reply_by_sentence(desk, actor):
    # The customer is the whole desk's (as the log form): everyone who may log a contact sees it.
    url = reverse("followups:reply-by", args=[desk.checkin.customer_id])
    before = _state(desk)

    response = _client(desk, actor).get(url, {"channel": "email", "direction": "in"})

    if actor == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == 200
        assert 'class="reply-sentence"' in response.content.decode()
    assert _state(desk) == before  # a read: nothing changes


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_desk_settings(desk, actor, method):
    from followups.models import DeskSettings

    client = _client(desk, actor)
    url = reverse("followups:desk-settings")
    data = {"opening_hours": "08:00-16:00", "keep_informed_days": "2", "reply_email": "1d"}

    response = client.get(url) if method == "GET" else client.post(url, data)

    if actor == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif actor == "manager":
        assert response.status_code == (200 if method == "GET" else 302)
    else:
        assert response.status_code == 403
    saved = DeskSettings.objects.filter(opening_hours="08:00-16:00").exists()
    assert saved is (actor == "manager" and method == "POST")


# --- Handing a customer over (issue 13): every desk role may; customers are everyone's --------------


@pytest.mark.parametrize("actor", ACTORS)
def test_handing_a_customer_over(desk, actor):
    url = reverse("followups:customer-handover", args=[desk.checkin.customer_id])
    client = _client(desk, actor)
    before = Handover.objects.count()

    page = client.get(url)
    response = client.post(url, {"to": f"team:{desk.other_team.pk}", "note": "Zuid knows the contract"})

    if actor == "anonymous":
        assert page.status_code == response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert Handover.objects.count() == before
        return
    assert page.status_code == 200
    assert response.status_code == 302, response.content[:500]
    assert Handover.objects.filter(to_team=desk.other_team, from_user=desk.users[actor]).exists()


# --- Coaching (issue 14): a team's cards and thanking its people are for its lead and managers; one's own card
# is everyone's ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
def test_the_coaching_cards(desk, actor):
    response = _client(desk, actor).get(reverse("coaching:cards"), {"team": desk.team.pk})

    assert response.status_code == _expected_team(actor)


@pytest.mark.parametrize("actor", ACTORS)
def test_thanking_a_person_of_the_team(desk, actor):
    from coaching.models import ThankYouNote
    from reports.weeks import IsoWeek

    last_week = IsoWeek.last_complete(timezone.now())
    anna = desk.users["assignee"]
    ContactMomentFactory(
        customer=CustomerFactory(),
        team=desk.team,
        logged_by=anna,
        occurred_at=last_week.start + timedelta(days=1),
        is_compliment=True,
    )

    response = _client(desk, actor).post(
        reverse("coaching:thank-you", args=[anna.pk]), {"team": desk.team.pk, "text": "Dank je!"}
    )

    allowed = _expected_team(actor) == 200
    assert response.status_code == (302 if allowed else _expected_team(actor))
    assert ThankYouNote.objects.filter(recipient=anna).exists() is allowed


@pytest.mark.parametrize("actor", ACTORS)
def test_ones_own_coaching_card(desk, actor):
    response = _client(desk, actor).get(reverse("coaching:my-card"))

    assert response.status_code == (302 if actor == "anonymous" else 200)


# --- Where it chafes (issue 14): the team's page and the contacts behind its numbers ------------------------
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("url_name", "query"), [("reports:chafes", ""), ("reports:chafe-contacts", "&figure=contacts&topic=none")]
)
def test_where_it_chafes(desk, actor, url_name, query):
    week = IsoWeek.containing(timezone.localdate(desk.checkin.origin.occurred_at))  # the contact's week
    response = _client(desk, actor).get(f"{reverse(url_name)}?team={desk.team.pk}&week={week}{query}")

    assert response.status_code == _expected_team(actor)
    if actor == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if response.status_code == 200 and url_name == "reports:chafe-contacts":
        assert f'data-contact="{desk.checkin.origin_id}"' in response.content.decode()


# --- Losing touch (issue 14): the list and its "Plan a check-in", for leads (their teams) and managers ---------


@pytest.fixture
def losing(desk):
    """A customer of team Noord whose last contact, 20 days ago, ended very negative."""
    moment = ContactMomentFactory(
        customer=CustomerFactory(),
        team=desk.team,
        logged_by=desk.users["assignee"],
        occurred_at=timezone.now() - timedelta(days=20),
        sentiment_end=1,
    )
    return moment.customer


@pytest.mark.parametrize("actor", ACTORS)
def test_the_losing_touch_list(desk, losing, actor):
    response = _client(desk, actor).get(reverse("followups:losing-touch"))

    if actor == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif actor in {"team_lead", "manager"}:
        assert response.status_code == 200 and escape(losing.full_name) in response.content.decode()
    elif actor == "other_lead":  # a lead of another team: the page, without Noord's customer
        assert response.status_code == 200 and escape(losing.full_name) not in response.content.decode()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("actor", ACTORS)
def test_planning_a_check_in_for_a_customer_losing_touch(desk, losing, actor):
    response = _client(desk, actor).post(reverse("followups:customer-losing-touch-plan", args=[losing.pk]))

    planned = CheckIn.objects.filter(customer=losing, kind="touch").exists()
    if actor == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif actor in {"team_lead", "manager"}:
        assert response.status_code == 302
        assert CheckIn.objects.get(customer=losing, kind="touch").assignee == desk.users["assignee"]
        return
    else:
        assert response.status_code == (404 if actor == "other_lead" else 403)
    assert not planned

"""What happened to check-ins and promises, where it is needed: the customer's page and History, the team board."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcare import roles
from contacts.models import Customer
from followups import selectors, services
from followups.models import CheckIn, Promise

from ..dates import business_day_ahead
from ..factories import CheckInFactory, ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def team(db):
    lead = UserFactory(username="lotte", first_name="Lotte", last_name="Lead", role=roles.TEAM_LEAD)
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    bram = UserFactory(username="bram", first_name="Bram", last_name="Bos")
    return TeamFactory(name="Noord", lead=lead, members=[lead, anna, bram]), lead, anna, bram


def _items(team, anna, customer=None):
    moment = ContactMomentFactory(customer=customer or CustomerFactory(), logged_by=anna, team=team)
    return CheckInFactory(origin=moment, assignee=anna, team=team), PromiseFactory(moment=moment, owner=anna, team=team)


def test_the_history_names_each_step_with_who_when_and_why(team):
    team, lead, anna, bram = team
    checkin, promise = _items(team, anna)
    new_day = business_day_ahead(10)
    services.checkin_reschedule(checkin=checkin, due=new_day, reason="Klant is op vakantie", actor=anna)
    services.followups_reassign(team=team, checkin_ids=[checkin.pk], promise_ids=[promise.pk], to_user=bram, actor=lead)
    services.checkin_skip(checkin=checkin, reason="Klant wil niet gebeld worden", actor=bram)
    services.promise_keep(promise=promise, actor=bram)

    changes = selectors.followup_history(customer=checkin.customer)

    steps = [(c.item, c.event, c.who, c.reason) for c in reversed(changes)]
    assert [(item, event) for item, event, *_ in steps] == [
        ("checkin", "planned"),
        ("promise", "promised"),
        ("checkin", "rescheduled"),
        ("checkin", "reassigned"),
        ("promise", "reassigned"),
        ("checkin", "skipped"),
        ("promise", "kept"),
    ]
    by_event = {(c.item, c.event): c for c in changes}
    assert by_event["checkin", "rescheduled"].due == new_day
    assert by_event["checkin", "rescheduled"].reason == "Klant is op vakantie"
    assert by_event["checkin", "rescheduled"].who == anna
    moved = by_event["checkin", "reassigned"]
    assert (moved.who, moved.previous_holder, moved.holder) == (lead, "Anna de Vries", bram)
    assert by_event["checkin", "skipped"].reason == "Klant wil niet gebeld worden"
    assert by_event["promise", "kept"].who == bram


def test_a_superseded_check_in_shows_once(team, default_policy):
    team, _lead, anna, _bram = team
    customer = CustomerFactory()
    first = ContactMomentFactory(customer=customer, logged_by=anna, team=team, direction="in")
    services.checkins_plan(moment=first, actor=anna)
    later = ContactMomentFactory(customer=customer, logged_by=anna, team=team, direction="in")
    services.checkins_plan(moment=later, actor=anna)

    events = [c.event for c in selectors.followup_history(customer=customer) if c.item == "checkin"]

    assert sorted(events) == ["planned"] * 4 + ["superseded"] * 2


def test_the_history_reads_in_two_queries_however_many_changes(
    team, django_assert_num_queries, django_assert_max_num_queries
):
    team, _lead, anna, _bram = team
    customer = CustomerFactory()
    _items(team, anna, customer)
    with django_assert_num_queries(2):  # only first versions: no predecessors to read
        few = selectors.followup_history(customer=customer)
    CheckIn.objects.filter(customer=customer).update(status=CheckIn.Status.SKIPPED)
    for _ in range(12):
        checkin, _promise = _items(team, anna, customer)
        services.checkin_skip(checkin=checkin, reason="Dubbel", actor=anna)
    with django_assert_num_queries(2):  # per model: the rows, each with its predecessor's values
        many = selectors.followup_history(customer=customer, limit=20)
    promise = Promise.objects.filter(customer=customer, status=Promise.Status.OPEN).latest("pk")
    services.followups_reassign(team=team, checkin_ids=[], promise_ids=[promise.pk], to_user=_bram, actor=_lead)
    with django_assert_num_queries(3):  # and the names of whom items were taken from
        reassigned = selectors.followup_history(customer=customer, limit=20)

    assert len(few) == 2 and len(many) == 20
    assert [(c.event, c.previous_holder, c.holder) for c in reassigned[:1]] == [("reassigned", "Anna de Vries", _bram)]


def test_the_customers_history_page_says_when_nothing_was_recorded(staff_client):
    Customer.objects.bulk_create(
        [Customer(customer_number="K9000001", full_name="Demo Klant", search_name="demo klant")]
    )
    customer = Customer.objects.get(customer_number="K9000001")

    html = staff_client.get(reverse("contacts:customer-history", args=[customer.pk]), headers=EN).content.decode()

    assert "No changes recorded." in html
    assert reverse("followups:customer-followup-history", args=[customer.pk]) in html


def test_the_history_page_lists_the_check_ins_and_promises_changes(team, client):
    team, _lead, anna, _bram = team
    checkin, promise = _items(team, anna)
    services.checkin_skip(checkin=checkin, reason="Klant wil niet gebeld worden", actor=anna)
    services.promise_cancel(promise=promise, reason="Klant heeft zelf gebeld", actor=anna)
    client.force_login(anna)

    url = reverse("followups:customer-followup-history", args=[checkin.customer_id])
    html = client.get(url, headers={"HX-Request": "true", **EN}).content.decode()

    assert "skipped check-in day 3" in html and "Klant wil niet gebeld worden" in html
    assert "cancelled the promise “Call back with the repair date”" in html and "Klant heeft zelf gebeld" in html
    assert "Anna de Vries" in html


def test_the_customer_panel_shows_the_recent_changes(team, client):
    team, _lead, anna, _bram = team
    checkin, _ = _items(team, anna)
    new_day = business_day_ahead(10)
    services.checkin_reschedule(checkin=checkin, due=new_day, reason="Klant is op vakantie", actor=anna)
    client.force_login(anna)

    html = client.get(reverse("followups:customer-panel", args=[checkin.customer_id]), headers=EN).content.decode()

    recent = html.split("recent-changes", 1)[1]
    assert f"moved check-in day 3 to {new_day.strftime('%a')} {new_day.day}" in recent
    assert "Klant is op vakantie" in recent


def test_the_team_lead_sees_their_bulk_reassignment_on_the_board(team, client):
    team, lead, anna, bram = team
    late = timezone.localdate() - timedelta(days=3)
    moment = ContactMomentFactory(customer=CustomerFactory(full_name="Kees Bos"), logged_by=anna, team=team)
    checkin = CheckInFactory(origin=moment, assignee=anna, team=team, due_date=late)
    services.followups_reassign(team=team, checkin_ids=[checkin.pk], promise_ids=[], to_user=bram, actor=lead)
    client.force_login(lead)

    html = client.get(reverse("followups:team-board", args=[team.pk]), headers=EN).content.decode()

    recent = html.split('id="recent-changes-title"', 1)[1]
    assert "Lotte Lead" in recent and "Kees Bos" in recent
    assert "gave check-in day 3 from Anna de Vries to Bram Bos" in recent


def test_the_team_board_with_its_recent_changes_runs_a_constant_number_of_queries(
    team, client, django_assert_max_num_queries
):
    team, lead, anna, bram = team
    late = timezone.localdate() - timedelta(days=3)
    client.force_login(lead)

    def reassign(count):
        for _ in range(count):
            moment = ContactMomentFactory(customer=CustomerFactory(), logged_by=anna, team=team)
            checkin = CheckInFactory(origin=moment, assignee=anna, team=team, due_date=late)
            services.followups_reassign(team=team, checkin_ids=[checkin.pk], promise_ids=[], to_user=bram, actor=lead)

    reassign(1)
    with django_assert_max_num_queries(19) as few:  # 19: the team's pending handovers too (issue 13)
        client.get(reverse("followups:team-board", args=[team.pk]))
    reassign(15)
    with django_assert_max_num_queries(19) as many:
        html = client.get(reverse("followups:team-board", args=[team.pk]), headers=EN).content.decode()

    assert len(few) == len(many)
    assert html.count("followup-change ") == 20


def test_a_history_line_escapes_what_people_typed_and_speaks_the_language():
    """followups.rows.history_list (written in Python since issue 11): the sentences are the translations of
    the template's msgids; a name, a promise and a reason are text, never markup."""
    from datetime import UTC, datetime

    from django.utils import translation

    from followups.rows import history_list
    from followups.selectors import FollowupChange

    holder = UserFactory(username="h", first_name="Bo <b>", last_name="& Co")
    change = FollowupChange(
        when=datetime(2026, 11, 30, 8, 1, tzinfo=UTC),
        who=None,
        item="promise",
        event="reassigned",
        customer=CustomerFactory(full_name="Jan <script>"),
        label='Bel "terug" <i>',
        due=datetime(2027, 1, 5, 9, 30, tzinfo=UTC),
        holder=holder,
        previous_holder="Oud <u>",
        reason="te laat & <x>",
    )
    with translation.override("en"):
        english = history_list([change], show_customer=True, limit=1)
    with translation.override("nl"):
        dutch = history_list([change], show_customer=False, limit=None)

    assert "gave the promise “Bel &quot;terug&quot; &lt;i&gt;” from Oud &lt;u&gt; to Bo &lt;b&gt; &amp; Co" in english
    assert "<strong>the system</strong>" in english and "“te laat &amp; &lt;x&gt;”" in english
    assert ">Jan &lt;script&gt;</a>" in english and "The latest 1 changes." in english
    assert "<script>" not in english + dutch and "Jan" not in dutch
    assert "<i>" not in english + dutch and "<u>" not in english + dutch
    with translation.override("nl"):
        assert translation.gettext("the system") in dutch and translation.gettext("the system") != "the system"

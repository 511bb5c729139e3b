"""Contacts, check-ins, promises, My day and the report through the API: the screens' services and access rule."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import ContactMoment
from followups.models import CheckIn, Promise
from tests.factories import CheckInFactory, ContactMomentFactory, PromiseFactory

pytestmark = pytest.mark.django_db
ON_THE_ITEM = {"staff", "lead", "manager"}  # of team Noord: its member, its lead, a manager


def _due(days=1) -> str:
    return (timezone.localtime() + timedelta(days=days)).replace(microsecond=0).isoformat()


def test_logging_a_contact_with_promises_goes_through_the_form_service(desk, clients, default_policy):
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"
    body = {
        "summary": "Vraag over de factuur",
        "team": desk.noord.pk,
        "promises": [
            {"description": "Terugbellen met de datum", "due_at": _due()},
            {"description": "Factuur mailen", "due_at": _due(2), "owner": desk.users["staff"].pk},
        ],
    }

    response = clients["staff"].post(url, body)

    assert response.status_code == 201, response.content
    logged = response.json()
    moment = ContactMoment.objects.get(pk=logged["contact"]["id"])
    assert (moment.logged_by, moment.team, moment.direction) == (desk.users["staff"], desk.noord, "in")
    assert [p["description"] for p in logged["promises"]] == ["Terugbellen met de datum", "Factuur mailen"]
    # the policy planned day 3 and week 6; each promise has its keep-informed check-in (issue 13)
    assert sorted(c["kind"] for c in logged["checkins_planned"]) == ["3d", "6w", "update", "update"]
    listed = clients["staff"].get(url).json()["results"]
    assert listed[0]["id"] == moment.pk  # newest first


def test_a_refused_promise_names_its_row_and_nothing_is_logged(desk, clients):
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"
    before = ContactMoment.objects.count()
    body = {
        "summary": "Vraag",
        "promises": [
            {"description": "ok", "due_at": _due()},
            {"description": "te laat", "due_at": "2020-01-01T10:00:00+01:00"},
        ],
    }

    response = clients["staff"].post(url, body)

    assert response.status_code == 400
    assert "promises.1.due_at" in response.json()["fields"]
    assert ContactMoment.objects.count() == before


def test_a_team_that_is_not_yours_cannot_be_chosen(desk, clients):
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"

    response = clients["staff"].post(url, {"summary": "Vraag", "team": desk.zuid.pk})

    assert response.status_code == 400 and "team" in response.json()["fields"]


@pytest.mark.parametrize(
    "occurred_at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-02-30T10:00:00Z", "²"]
)
def test_contact_times_out_of_bounds_are_400(desk, clients, occurred_at):
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"

    response = clients["staff"].post(url, {"summary": "Vraag", "occurred_at": occurred_at})

    assert response.status_code == 400, response.content


def test_a_summary_too_long_is_refused_with_its_length_not_cut(desk, clients):
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"

    response = clients["staff"].post(url, {"summary": "x" * 5000})

    assert response.status_code == 400 and "summary" in response.json()["fields"]


@pytest.mark.parametrize("actor", ["staff", "lead", "other_staff", "other_lead", "manager"])
@pytest.mark.parametrize(
    "action,body,done",
    [
        ("skip", {"reason": "Klant op vakantie"}, lambda d: CheckIn.objects.get(pk=d.checkin.pk).status == "skipped"),
        (
            "reschedule",
            {"due_date": "{next_business_day}", "reason": "Klant vroeg later", "non_business_day_ok": True},
            lambda d: CheckIn.objects.get(pk=d.checkin.pk).due_date > timezone.localdate(),
        ),
        ("keep", {}, lambda d: Promise.objects.get(pk=d.promise.pk).status == "kept"),
        ("cancel", {"reason": "Niet meer nodig"}, lambda d: Promise.objects.get(pk=d.promise.pk).status == "cancelled"),
        (
            "done",
            {"summary": "Nagebeld, alles goed"},
            lambda d: CheckIn.objects.get(pk=d.checkin.pk).status == "done",
        ),
    ],
)
def test_the_permission_matrix_holds_for_the_api(desk, clients, actor, action, body, done):
    target = "promises" if action in {"keep", "cancel"} else "checkins"
    item = desk.promise if target == "promises" else desk.checkin
    body = {
        k: (timezone.localdate() + timedelta(days=1)).isoformat() if v == "{next_business_day}" else v
        for k, v in body.items()
    }

    response = clients[actor].post(f"/api/v1/{target}/{item.pk}/{action}/", body)

    if actor in ON_THE_ITEM:
        assert response.status_code in (200, 201), response.content
        assert done(desk)
    else:
        assert response.status_code == 404  # another team's item is not theirs to know about
        assert not done(desk)


@pytest.mark.parametrize("actor", ["staff", "lead", "other_staff", "other_lead", "manager"])
def test_lists_show_only_what_the_screens_show(desk, clients, actor):
    checkins = {c["id"] for c in clients[actor].get("/api/v1/checkins/").json()["results"]}
    promises = {p["id"] for p in clients[actor].get("/api/v1/promises/").json()["results"]}
    single = clients[actor].get(f"/api/v1/checkins/{desk.checkin.pk}/")

    mine = actor in ON_THE_ITEM
    assert (desk.checkin.pk in checkins) is mine and (desk.promise.pk in promises) is mine
    assert single.status_code == (200 if mine else 404)
    assert (desk.other_checkin.pk in checkins) is (actor in {"other_staff", "other_lead", "manager"})


def test_filters(desk, clients):
    origin = ContactMomentFactory(customer=desk.customer, team=desk.noord)
    late = CheckInFactory(
        origin=origin, kind="6w", due_date=timezone.localdate() - timedelta(days=3), assignee=desk.users["lead"]
    )
    client = clients["manager"]

    def ids(url, **params):
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("/api/v1/checkins/", kind="6w") == {late.pk}
    assert ids("/api/v1/checkins/", due_before=timezone.localdate().isoformat()) == {late.pk}
    assert late.pk not in ids("/api/v1/checkins/", due_after=timezone.localdate().isoformat())
    assert ids("/api/v1/checkins/", team=desk.zuid.pk) == {desk.other_checkin.pk}
    assert ids("/api/v1/checkins/", status="done") == set()
    assert ids("/api/v1/promises/", status="open", team=desk.noord.pk) == {desk.promise.pk}
    assert clients["lead"].get("/api/v1/checkins/", {"mine": "true"}).json()["results"][0]["id"] == late.pk
    for bad in (
        {"status": "weird"},
        {"team": "9223372036854775808"},
        {"due_before": "0000-01-01"},
        {"mine": "perhaps"},
    ):
        assert client.get("/api/v1/checkins/", bad).status_code == 400, bad


def test_a_reschedule_to_a_weekend_is_refused_unless_said(desk, clients):
    today = timezone.localdate()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    url = f"/api/v1/checkins/{desk.checkin.pk}/reschedule/"

    refused = clients["staff"].post(url, {"due_date": saturday.isoformat(), "reason": "Later"})
    anyway = clients["staff"].post(
        url, {"due_date": saturday.isoformat(), "reason": "Later", "non_business_day_ok": True}
    )

    assert refused.status_code == 400 and refused.json()["code"] == "non_business_day"
    assert anyway.status_code == 200 and anyway.json()["due_date"] == saturday.isoformat()


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31"])
def test_reschedule_years_1_and_9999_are_400(desk, clients, due):
    response = clients["staff"].post(
        f"/api/v1/checkins/{desk.checkin.pk}/reschedule/", {"due_date": due, "reason": "x"}
    )

    assert response.status_code == 400


def test_closed_items_say_so(desk, clients):
    clients["staff"].post(f"/api/v1/promises/{desk.promise.pk}/keep/")

    again = clients["staff"].post(f"/api/v1/promises/{desk.promise.pk}/cancel/", {"reason": "x"})

    assert again.status_code == 400 and again.json()["code"] == "closed"


def test_my_day_is_the_pages_sections_with_their_cursors(desk, clients):
    for _ in range(26):
        origin = ContactMomentFactory(team=desk.noord, logged_by=desk.users["staff"])
        CheckInFactory(origin=origin, due_date=timezone.localdate() - timedelta(days=1), assignee=desk.users["staff"])

    first = clients["staff"].get("/api/v1/my-day/").json()
    overdue = next(s for s in first["sections"] if s["section"] == "overdue")
    more = clients["staff"].get("/api/v1/my-day/", {"section": "overdue", "after": overdue["next"]}).json()
    rest = next(s for s in more["sections"] if s["section"] == "overdue")

    assert overdue["count"] == 26 and len(overdue["checkins"]) == 25 and overdue["next"]
    assert len(rest["checkins"]) == 1 and rest["next"] is None
    today = next(s for s in first["sections"] if s["section"] == "today")
    assert [c["id"] for c in today["checkins"]] == [desk.checkin.pk]
    assert clients["staff"].get("/api/v1/my-day/", {"section": "overdue", "after": "2026-13-01_1"}).status_code == 400


def test_the_weekly_report_is_the_pages_figures_with_its_permission(desk, clients):
    week = "2026-W47"

    lead = clients["lead"].get("/api/v1/reports/weekly/", {"week": week})
    other_team = clients["lead"].get("/api/v1/reports/weekly/", {"week": week, "team": desk.zuid.pk})
    manager = clients["manager"].get("/api/v1/reports/weekly/", {"week": week, "team": desk.zuid.pk})

    assert lead.status_code == 200 and lead.json()["team"] == desk.noord.pk
    from reports.figures import FIGURES

    assert [f["key"] for f in lead.json()["figures"]] == [f.key for f in FIGURES]
    assert other_team.status_code == 404
    assert manager.status_code == 200
    for bad in ("2026-W60", "9999-W01", "x" * 30):
        assert clients["lead"].get("/api/v1/reports/weekly/", {"week": bad}).status_code == 400


def test_a_promise_without_customer_or_owner_reads_as_nulls(desk, clients):
    promise = PromiseFactory(moment=desk.moment)
    fields = {f.name: f for f in Promise._meta.get_fields()}
    if not (fields["customer"].null and fields["owner"].null and fields["moment"].null):
        pytest.skip("callbacks (nullable customer, contact and owner) have not landed")
    callback = {"kind": "callback", "number": "+31201234567"} if "number" in fields else {}
    Promise.objects.filter(pk=promise.pk).update(customer=None, owner=None, moment=None, **callback)

    response = clients["staff"].get(f"/api/v1/promises/{promise.pk}/")

    assert response.status_code == 200
    assert (response.json()["customer"], response.json()["owner"], response.json()["moment"]) == (None, None, None)


def test_logging_with_another_teams_check_in_logs_but_does_not_complete_it(desk, clients):
    url = f"/api/v1/customers/{desk.other_checkin.customer_id}/contacts/"

    response = clients["staff"].post(url, {"summary": "Nagebeld", "direction": "out", "checkin": desk.other_checkin.pk})

    assert response.status_code == 201
    assert response.json()["checkin_done"] is None and response.json()["warnings"]
    assert CheckIn.objects.get(pk=desk.other_checkin.pk).status == CheckIn.Status.OPEN


def test_logging_with_its_check_in_completes_it_as_call_now(desk, clients):
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"

    response = clients["staff"].post(url, {"summary": "Nagebeld", "direction": "out", "checkin": desk.checkin.pk})

    assert response.status_code == 201
    assert response.json()["checkin_done"]["status"] == "done"
    assert response.json()["checkin_done"]["done_moment"] == response.json()["contact"]["id"]


def test_doing_a_closed_check_in_logs_nothing(desk, clients):
    clients["staff"].post(f"/api/v1/checkins/{desk.checkin.pk}/skip/", {"reason": "Op vakantie"})
    before = ContactMoment.objects.count()

    response = clients["staff"].post(f"/api/v1/checkins/{desk.checkin.pk}/done/", {"summary": "Nagebeld"})

    assert response.status_code == 400 and response.json()["code"] == "closed"
    assert ContactMoment.objects.count() == before

"""The weekly summary and the stored repeat flags: kept in step by every change, and rebuilt exactly from the rows."""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import ContactMoment
from contacts.services import contact_moment_create
from followups.models import Promise
from followups.services import contact_correct, contact_delete, contact_log
from reports.models import WeeklySummary
from reports.selectors import weekly_report
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory
from .conftest import NOW, W45, at
from .test_figures import EXPECTED_TOTAL

pytestmark = pytest.mark.django_db


def _summary() -> dict:
    """Every summary row that counts something: {(week, team, person): counts}."""
    return {
        (row.week, row.team_id, row.person_id): row.counts
        for row in WeeklySummary.objects.all()
        if row.counts.get("contacts")
    }


def _flags() -> dict:
    return dict(ContactMoment.objects.values_list("pk", "is_repeat"))


def _rebuilt_from_nothing() -> tuple[dict, dict]:
    """Forget the summary and every flag, rebuild, and say what came out."""
    WeeklySummary.objects.all().delete()
    ContactMoment.objects.update(is_repeat=False)
    call_command("report_summaries_rebuild", stdout=io.StringIO())
    return _summary(), _flags()


def _report(teams):
    return weekly_report(week=W45, team=None, now=NOW, teams=teams, with_people=False).current


def test_rebuild_and_upkeep_agree_on_the_hand_counted_week(week):
    kept_up, flags = _summary(), _flags()

    rebuilt, rebuilt_flags = _rebuilt_from_nothing()

    assert rebuilt == kept_up
    assert rebuilt_flags == flags
    assert sum(flags.values()) == 3  # week 45's two, and Monday 00:30 of week 46 an hour after Sunday's chat
    current = _report(list(week[:2]))
    assert {key: current[key] for key in EXPECTED_TOTAL} == EXPECTED_TOTAL


def test_a_rebuild_of_a_healthy_database_changes_nothing(week):
    before = {(r.week, r.team_id, r.person_id): r.counts for r in WeeklySummary.objects.all()}

    call_command("report_summaries_rebuild", "--week", W45.label, stdout=io.StringIO())

    assert {(r.week, r.team_id, r.person_id): r.counts for r in WeeklySummary.objects.all()} == before


def test_corrections_and_deletions_keep_the_summary_as_a_rebuild_would(week, manager_user):
    north, south, earlier3 = week
    monday = ContactMoment.objects.get(channel="phone", is_complaint=True)
    chat = ContactMoment.objects.get(channel="chat")

    contact_correct(moment=monday, actor=manager_user, reason="other desk", team=south)
    contact_correct(moment=chat, actor=manager_user, reason="typo", occurred_at=at((10, 28), 9))  # week 44
    contact_correct(moment=earlier3, actor=manager_user, reason="was outbound", direction="out")
    contact_delete(moment=ContactMoment.objects.get(channel="letter"), actor=manager_user, reason="double")
    kept_up, flags = _summary(), _flags()

    assert (kept_up, flags) == _rebuilt_from_nothing()
    current = _report([north, south])
    assert (current["contacts"], current["repeat"], current["ch_chat_in"]) == (4, 1, 0)


def test_an_earlier_contact_typed_in_afterwards_makes_the_later_one_a_repeat(staff_user):
    customer = CustomerFactory()
    now = timezone.now()
    later = contact_log(customer=customer, actor=staff_user, occurred_at=now - timedelta(hours=1), summary="2nd")
    assert later.is_repeat is False

    earlier = contact_log(customer=customer, actor=staff_user, occurred_at=now - timedelta(days=2), summary="1st")

    later.refresh_from_db()
    assert (earlier.is_repeat, later.is_repeat) == (False, True)


def test_moving_the_earlier_contact_to_another_customer_ends_the_repeat(manager_user):
    customer, other = CustomerFactory(), CustomerFactory()
    first = ContactMomentFactory(customer=customer, occurred_at=timezone.now() - timedelta(days=2))
    second = ContactMomentFactory(customer=customer, occurred_at=timezone.now() - timedelta(days=1))
    assert ContactMoment.objects.get(pk=second.pk).is_repeat

    contact_correct(moment=first, actor=manager_user, reason="wrong customer", customer=other)

    assert not ContactMoment.objects.get(pk=second.pk).is_repeat
    assert not ContactMoment.objects.get(pk=first.pk).is_repeat  # the other customer had no contact before


def test_an_outbound_contact_is_never_a_repeat_and_makes_none(staff_user):
    customer = CustomerFactory()
    now = timezone.now()
    out = contact_log(
        customer=customer, actor=staff_user, occurred_at=now - timedelta(days=1), summary="x", direction="out"
    )
    inbound = contact_log(customer=customer, actor=staff_user, occurred_at=now - timedelta(hours=1), summary="y")

    assert (out.is_repeat, inbound.is_repeat) == (False, False)


def test_logging_for_a_person_of_no_team_is_summarised_too(staff_user):
    moment = contact_moment_create(customer=CustomerFactory(), logged_by=staff_user, actor=staff_user, summary="x")

    row = WeeklySummary.objects.get(person_id=staff_user.pk)
    assert (row.team_id, row.counts["contacts"], row.counts["inbound"]) == (None, 1, 1)  # no team: NULL, not 0
    assert moment.team_id is None


def test_a_promise_carries_its_contacts_time_and_follows_a_correction(staff_user, manager_user):
    moment = contact_log(
        customer=CustomerFactory(),
        actor=staff_user,
        occurred_at=timezone.now() - timedelta(hours=2),
        summary="x",
        promises=[{"description": "call back", "owner": staff_user, "due_at": timezone.now() + timedelta(days=1)}],
    )
    promise = Promise.objects.get(moment=moment)
    assert promise.made_at == moment.occurred_at

    corrected = timezone.now() - timedelta(days=3)
    contact_correct(moment=moment, actor=manager_user, reason="typed late", occurred_at=corrected)

    promise.refresh_from_db()
    assert promise.made_at == corrected


def test_the_rebuild_gives_a_promise_written_around_the_services_its_contacts_time(week):
    promise = PromiseFactory(moment=ContactMoment.objects.get(channel="chat"), due_at=at((11, 20), 9))
    Promise.objects.filter(pk=promise.pk).update(made_at=None)

    call_command("report_summaries_rebuild", "--week", W45.label, stdout=io.StringIO())

    promise.refresh_from_db()
    assert promise.made_at == at((11, 8), 23, 30)


def test_a_changed_repeat_window_is_counted_as_it_is_now_until_and_after_a_rebuild(week, settings):
    settings.REPEAT_CONTACT_WINDOW_DAYS = 3
    teams = list(week[:2])
    stale = _report(teams)

    call_command("report_summaries_rebuild", stdout=io.StringIO())

    assert stale["repeat"] == _report(teams)["repeat"] == 0
    assert list(ContactMoment.objects.filter(is_repeat=True).values_list("occurred_at", flat=True)) == [
        at((11, 9), 0, 30)  # an hour after Sunday's chat: within any window
    ]
    assert set(WeeklySummary.objects.values_list("repeat_window_days", flat=True)) == {3}


def test_the_report_reads_the_summary_not_the_contacts(week):
    teams = list(week[:2])
    before = _report(teams)
    # Rows changed behind the services' back are not seen: the report reads the summary.
    ContactMoment.objects.filter(channel="chat").update(channel="phone")

    assert _report(teams) == before


def test_a_new_team_and_person_get_a_row_of_their_own(staff_user):
    team, other = TeamFactory(), UserFactory()

    ContactMomentFactory(team=team, logged_by=other, occurred_at=timezone.now() - timedelta(hours=1))

    assert list(WeeklySummary.objects.values_list("team_id", "person_id")) == [(team.pk, other.pk)]


def test_imported_contacts_are_a_figure_of_their_own(staff_user, manager_user):
    from contacts.models import CustomerImport

    source = CustomerImport.objects.create(actor=manager_user, file_name="history.csv", content=b"", format="csv")
    team = TeamFactory()
    when = timezone.now() - timedelta(minutes=5)
    for imported in (source.pk, None):
        contact_moment_create(
            customer=CustomerFactory(),
            logged_by=staff_user,
            actor=staff_user,
            occurred_at=when,
            team=team,
            summary="x",
            imported_by_import_id=imported,
        )
    week = IsoWeek.containing(timezone.localdate(when))

    current = weekly_report(week=week, team=team, now=timezone.now(), teams=[team], with_people=False).current

    assert (current["contacts"], current["imported"]) == (2, 1)


def test_the_trend_counts_only_what_its_charts_draw(week):
    report = weekly_report(week=W45, team=None, now=NOW, teams=list(week[:2]), with_people=False)

    drawn = {"kept_on_time", "kept_late", "broken", "checkins_on_time", "checkins_late", "checkins_overdue"}
    assert set().union(*(raw.keys() for _, raw in report.trend)) == drawn
    assert report.trend[-1][1] == dict.fromkeys(drawn, 1)


def test_a_deleted_contacts_done_check_in_and_kept_promise_leave_the_trend(week, manager_user):
    monday = ContactMoment.objects.get(channel="phone", is_complaint=True)  # its promise was kept on time
    teams = list(week[:2])

    contact_delete(moment=monday, actor=manager_user, reason="test")

    trend = weekly_report(week=W45, team=None, now=NOW, teams=teams, with_people=False).trend[-1][1]
    assert (trend["kept_on_time"], trend["broken"]) == (0, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
def test_two_people_logging_into_one_bucket_at_once_are_both_counted():
    team, user = TeamFactory(), UserFactory()
    customers = [CustomerFactory(), CustomerFactory()]
    first_counted, errors = threading.Event(), []

    def log(customer, *, first):
        try:
            with transaction.atomic():
                if not first:
                    first_counted.wait(timeout=10)
                contact_moment_create(customer=customer, logged_by=user, actor=user, team=team, summary="x")
                if first:
                    first_counted.set()
                    time.sleep(0.3)  # still uncommitted while the second one counts its bucket
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=(c,), kwargs={"first": i == 0}) for i, c in enumerate(customers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert WeeklySummary.objects.get(team_id=team.pk, person_id=user.pk).counts["contacts"] == 2


def test_a_batch_announces_its_buckets_once_and_counts_every_contact(staff_user):
    from contacts.repeats import contacts_counted_together

    team = TeamFactory()
    customers = [CustomerFactory() for _ in range(5)]
    when = timezone.now() - timedelta(minutes=5)

    with contacts_counted_together():
        for customer in customers:
            contact_moment_create(
                customer=customer, logged_by=staff_user, actor=staff_user, team=team, occurred_at=when, summary="x"
            )
        assert not WeeklySummary.objects.exists()  # not yet: once, at the end

    assert WeeklySummary.objects.get(team_id=team.pk).counts["contacts"] == 5

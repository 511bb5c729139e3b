"""The periodic sweeps: broken promises, e-mail dispatch, digests, and their heartbeat.

The e-mails themselves (one per person, one connection) are in test_outbox.py.
"""

from datetime import datetime, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcare.models import Notification, SweepRun
from followups import notifications, services, sweeps
from followups.models import CheckIn, Promise

from ..factories import CheckInFactory, ContactMomentFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, messages):
        raise SMTPException("connection refused")


def _broken_promise_in_a_team():
    owner, lead = UserFactory(email="owner@example.com"), UserFactory(email="lead@example.com")
    team = TeamFactory(members=[owner], lead=lead)
    moment = ContactMomentFactory(logged_by=owner, team=team)
    return PromiseFactory(moment=moment, due_at=timezone.now() - timedelta(minutes=5)), owner, lead


def test_the_sweep_tells_the_owner_of_each_promise_and_the_lead_once_per_team(settings):
    settings.LANGUAGE_CODE = "en"
    promise, owner, lead = _broken_promise_in_a_team()

    marked = services.promises_mark_broken(now=timezone.now())

    promise.refresh_from_db()
    assert marked == 1
    assert promise.broken_at == promise.due_at  # derived: when it broke is its due time
    to_owner = Notification.objects.get(kind="promise_broken", recipient=owner)
    assert promise.customer.full_name in to_owner.subject
    to_lead = Notification.objects.get(kind="promise_broken", recipient=lead)
    assert to_lead.subject == f"1 promise of {promise.team.name} broke"
    assert "its owner has been told" in to_lead.body
    assert to_lead.link == reverse("followups:team-board", args=[promise.team_id])


def test_broken_at_is_the_due_time_of_a_promise_that_was_open_then():
    now = timezone.now()
    due = now - timedelta(hours=2)
    assert Promise(status="open", due_at=due).broken_at == due
    assert Promise(status="open", due_at=now + timedelta(hours=1)).broken_at is None
    assert Promise(status="kept", due_at=due, kept_at=due - timedelta(minutes=1)).broken_at is None
    assert Promise(status="kept", due_at=due, kept_at=due + timedelta(minutes=1)).broken_at == due
    assert Promise(status="cancelled", due_at=due, cancelled_at=due + timedelta(hours=1)).broken_at == due
    assert Promise(status="cancelled", due_at=due, cancelled_at=due - timedelta(hours=1)).broken_at is None


def test_the_sweep_run_twice_notifies_once():
    _broken_promise_in_a_team()

    first = services.promises_mark_broken(now=timezone.now())
    second = services.promises_mark_broken(now=timezone.now())

    assert (first, second) == (1, 0)
    assert Notification.objects.filter(kind="promise_broken").count() == 2


def test_notifications_are_unique_even_if_two_sweeps_race():
    promise, _owner, _lead = _broken_promise_in_a_team()

    these = Promise.objects.filter(pk=promise.pk)
    assert notifications.promises_broken(promises=these, now=timezone.now()) == 1
    # as if a second worker got there too: the owner's notice exists, so the lead is not told again either
    assert notifications.promises_broken(promises=these, now=timezone.now()) == 0

    assert Notification.objects.filter(kind="promise_broken").count() == 2


def _broken_promises(count: int, owner, minutes_ago: int = 5) -> list[Promise]:
    moment = ContactMomentFactory(logged_by=owner, team=owner.teams.first())
    return PromiseFactory.create_batch(count, moment=moment, due_at=timezone.now() - timedelta(minutes=minutes_ago))


def test_one_sweep_run_takes_the_same_queries_for_30_and_for_300_broken_promises(django_assert_max_num_queries):
    owner, lead = UserFactory(), UserFactory()
    TeamFactory(members=[owner], lead=lead)
    _broken_promises(30, owner, minutes_ago=10)

    with CaptureQueriesContext(connection) as small:
        assert services.promises_mark_broken(now=timezone.now()) == 30
    _broken_promises(300, owner)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert services.promises_mark_broken(now=timezone.now()) == 300

    assert Notification.objects.filter(kind="promise_broken", recipient=owner).count() == 330
    to_lead = Notification.objects.filter(kind="promise_broken", recipient=lead).order_by("pk")
    assert [n.subject.split()[0] for n in to_lead] == ["30", "300"]  # one per run, with the count


def test_the_broken_notice_names_customer_promise_and_owner_and_links_to_the_customer(settings):
    settings.LANGUAGE_CODE = "en"
    owner = UserFactory(first_name="Anna", last_name="de Vries")
    moment = ContactMomentFactory(logged_by=owner, customer__full_name="Johanna Vermeulen")
    due_at = timezone.now() - timedelta(minutes=1)
    promise = PromiseFactory(moment=moment, due_at=due_at, description="Send the 50% quote")

    services.promises_mark_broken(now=timezone.now())

    notice = Notification.objects.get(kind="promise_broken")
    assert notice.subject == "Promise broken: Johanna Vermeulen"
    assert notice.body.startswith("The promise “Send the 50% quote” to Johanna Vermeulen has not been kept in time.")
    assert "It is Anna de Vries's promise." in notice.body
    assert notice.link == reverse("contacts:customer-detail", args=[promise.customer_id])
    assert notice.key == f"promise:{promise.pk}"
    assert (notice.status, notice.attempts) == ("pending", 0)


def test_a_second_worker_that_marked_the_same_promises_adds_no_notice():
    owner, lead = UserFactory(), UserFactory()
    TeamFactory(members=[owner], lead=lead)
    promises = _broken_promises(40, owner)
    services.promises_mark_broken(now=timezone.now())

    # as if a second run had recorded the same promises before the first committed its notices
    again = notifications.promises_broken(
        promises=Promise.objects.filter(pk__in=[p.pk for p in promises]), now=timezone.now()
    )

    assert again == 0
    assert Notification.objects.filter(kind="promise_broken").count() == 41  # 40 to the owner, 1 to the lead
    assert Notification.objects.filter(kind="promise_broken").values("recipient", "key").distinct().count() == 41


def test_a_promise_saved_while_the_previous_run_ran_is_still_told():
    owner, lead = UserFactory(), UserFactory()
    TeamFactory(members=[owner], lead=lead)
    sweeps.broken_promises_sweep()  # records when it started: the next run looks from then, less the overlap
    started = SweepRun.objects.get(name=sweeps.BROKEN_PROMISES).last_started_at
    # committed after that run had looked: due a few minutes before it started
    late = _broken_promises(1, owner)[0]
    Promise.objects.filter(pk=late.pk).update(due_at=started - timedelta(minutes=5))
    # long before the window, and never told (written around the services): the next run does not look there
    Promise.objects.filter(pk=_broken_promises(1, owner)[0].pk).update(due_at=started - timedelta(days=2))

    assert sweeps.broken_promises_sweep() == 1
    assert Notification.objects.get(kind="promise_broken", recipient=owner).key == f"promise:{late.pk}"


def test_inactive_people_are_not_told_and_their_promises_go_to_the_lead_who_is_told_once():
    lead = UserFactory()
    TeamFactory(members=[lead], lead=lead)
    gone = UserFactory(is_active=False)
    TeamFactory(members=[gone], lead=lead)
    _broken_promises(1, lead)
    _broken_promises(1, gone)

    services.promises_mark_broken(now=timezone.now())

    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == [lead.username] * 2


def test_a_sweep_after_an_outage_catches_up_on_everything_that_broke():
    for hours in (1, 5, 30):
        PromiseFactory(due_at=timezone.now() - timedelta(hours=hours))
    PromiseFactory(due_at=timezone.now() + timedelta(hours=1))

    assert services.promises_mark_broken(now=timezone.now()) == 3
    told = Notification.objects.filter(kind="promise_broken", key__startswith="promise:")
    assert sorted(told.values_list("key", flat=True)) == sorted(
        f"promise:{p.pk}" for p in Promise.objects.broken(timezone.now())
    )


def test_a_promise_kept_on_time_never_breaks():
    promise = PromiseFactory(due_at=timezone.now() + timedelta(minutes=1))
    services.promise_keep(promise=promise, actor=promise.owner)

    assert services.promises_mark_broken(now=timezone.now() + timedelta(hours=1)) == 0


def test_dispatch_e_mails_each_notification_once():
    _broken_promise_in_a_team()
    services.promises_mark_broken(now=timezone.now())

    sent = notifications.notifications_dispatch(now=timezone.now())
    again = notifications.notifications_dispatch(now=timezone.now())

    assert (sent, again) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["lead@example.com", "owner@example.com"]
    assert Notification.objects.filter(status="sent").count() == 2


def test_a_failing_mail_server_is_retried_then_listed_for_managers(settings, client):
    settings.EMAIL_BACKEND = "tests.followups.test_sweeps.FailingBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    _broken_promise_in_a_team()
    services.promises_mark_broken(now=timezone.now())
    now = timezone.now()

    notifications.notifications_dispatch(now=now)
    waiting = Notification.objects.filter(status="pending", attempts=1).count()
    for minutes in (10, 30, 90):  # past each backoff
        notifications.notifications_dispatch(now=now + timedelta(minutes=minutes))

    assert waiting == 2
    failed = Notification.objects.filter(status="failed")
    assert failed.count() == 2
    assert set(failed.values_list("last_error", flat=True)) == {"SMTPException"}
    client.force_login(UserFactory(role="Manager"))
    page = client.get(reverse("followups:status"), headers={"Accept-Language": "en"}).content.decode()
    assert page.count("SMTPException") == 2


def test_a_notification_claimed_by_a_worker_that_died_is_sent_later():
    promise, _owner, _ = _broken_promise_in_a_team()
    notifications.promise_assigned(promise=promise)
    Notification.objects.update(status="sending", claimed_at=timezone.now() - timedelta(minutes=30))

    assert notifications.notifications_dispatch(now=timezone.now()) == 1


def _at(hour, minute):
    return datetime(2026, 11, 23, hour, minute, tzinfo=AMSTERDAM)


def test_the_digest_goes_out_from_half_past_seven_once_a_day(settings):
    settings.DIGEST_TIME = "07:30"
    settings.LANGUAGE_CODE = "en"
    anna = UserFactory(email="anna@example.com")
    CheckInFactory(assignee=anna, due_date=_at(8, 0).date())
    CheckInFactory(assignee=anna, due_date=_at(8, 0).date() - timedelta(days=2), kind="6w")
    UserFactory(username="idle")  # nothing due: no mail

    before = notifications.digests_create(now=_at(7, 20))
    first = notifications.digests_create(now=_at(7, 30))
    later = notifications.digests_create(now=_at(9, 40))

    assert (before, first, later) == (0, 1, 0)
    digest = Notification.objects.get(kind="digest")
    assert digest.recipient == anna
    assert "Overdue check-ins (1)" in digest.body
    assert "Check-ins due today (1)" in digest.body
    assert digest.key == "digest:2026-11-23"


def test_the_digest_lists_broken_promises_and_those_due_today(settings):
    settings.LANGUAGE_CODE = "en"
    owner = UserFactory()
    PromiseFactory(owner=owner, due_at=_at(7, 0), description="Send the quote")
    PromiseFactory(owner=owner, due_at=_at(16, 0), description="Call back about the repair")

    notifications.digests_create(now=_at(7, 30))

    body = Notification.objects.get(kind="digest").body
    assert "Broken promises (1)" in body and "Send the quote" in body
    assert "Promises due today (1)" in body and "Call back about the repair" in body


def test_every_sweep_records_when_it_ran():
    sweeps.broken_promises_sweep()
    sweeps.broken_promises_sweep()
    sweeps.notifications_dispatch_sweep()

    runs = {run.name: run.runs for run in SweepRun.objects.all()}
    assert runs == {"promises-broken": 2, "notifications-dispatch": 1}


def _database_set_up(ago: timedelta) -> None:
    """Pretend the database was migrated `ago` (a fresh start is no delay; an old silent one is)."""
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.update(applied=timezone.now() - ago)


def test_reminders_are_delayed_when_the_scheduler_is_silent():
    _database_set_up(ago=timedelta(hours=1))
    now = timezone.now()
    assert sweeps.reminders_delayed(now=now)  # never ran, and the database is an hour old

    sweeps.broken_promises_sweep()
    assert not sweeps.reminders_delayed(now=timezone.now())
    assert sweeps.reminders_delayed(now=timezone.now() + timedelta(minutes=16))


def test_staff_see_a_banner_when_reminders_are_delayed(staff_client):
    _database_set_up(ago=timedelta(hours=1))
    silent = staff_client.get(reverse("followups:my-day"), headers={"Accept-Language": "en"}).content.decode()
    sweeps.broken_promises_sweep()
    running = staff_client.get(reverse("followups:my-day"), headers={"Accept-Language": "en"}).content.decode()

    assert "Reminders are delayed" in silent
    assert "Reminders are delayed" not in running


def test_the_status_page_shows_each_sweeps_heartbeat(manager_client):
    sweeps.broken_promises_sweep()
    sweeps.notifications_dispatch_sweep()

    page = manager_client.get(reverse("followups:status"), headers={"Accept-Language": "en"}).content.decode()

    assert "Broken promises" in page and "Sending e-mails" in page
    assert "0 promises found broken" in page and "0 notifications e-mailed" in page


# --- The digest at size: the first 25 of each section, the count, a link -------------


def _backlog(person, checkins: int, promises: int) -> None:
    moment = ContactMomentFactory(logged_by=person)
    CheckIn.objects.bulk_create(  # one open check-in per customer and kind: a kind each
        CheckIn(
            customer=moment.customer,
            origin=moment,
            kind=f"{n + 1}d",
            assignee=person,
            due_date=_at(8, 0).date() - timedelta(days=1 + n % 30),
        )
        for n in range(checkins)
    )
    PromiseFactory.create_batch(promises, moment=moment, owner=person, due_at=_at(6, 0) - timedelta(hours=1))


def test_a_digest_shows_25_of_each_section_with_the_count_and_stays_small(settings):
    settings.LANGUAGE_CODE = "en"
    anna = UserFactory(email="anna@example.com")
    _backlog(anna, checkins=350, promises=350)

    notifications.digests_create(now=_at(7, 30))

    body = Notification.objects.get(kind="digest", recipient=anna).body
    assert "Overdue check-ins (350):" in body and "Broken promises (350):" in body
    assert body.count("\n- ") == 50  # 25 overdue check-ins, 25 broken promises
    assert body.count("… and 325 more on My day") == 2
    assert len(body.encode()) < 12_000  # 399 KB before, for a backlog like this


def test_the_digest_takes_the_same_queries_for_one_item_and_for_hundreds(settings, django_assert_max_num_queries):
    few, many = UserFactory(), UserFactory()
    _backlog(few, checkins=1, promises=1)
    with CaptureQueriesContext(connection) as small:
        assert notifications.digests_create(now=_at(7, 30)) == 1
    Notification.objects.all().delete()
    _backlog(many, checkins=60, promises=60)

    with django_assert_max_num_queries(len(small.captured_queries)):
        assert notifications.digests_create(now=_at(7, 30)) == 2

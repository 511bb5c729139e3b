"""The periodic sweeps: broken promises, e-mail dispatch, digests, and their heartbeat."""

from datetime import datetime, timedelta
from smtplib import SMTPException
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

from followups import notifications, services, sweeps
from followups.models import Notification, Promise, SweepRun

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


def test_the_sweep_records_when_a_promise_broke_and_tells_owner_and_lead():
    promise, owner, lead = _broken_promise_in_a_team()

    marked = services.promises_mark_broken(now=timezone.now())

    promise.refresh_from_db()
    assert marked == 1
    assert promise.broken_at == promise.due_at
    told = Notification.objects.filter(kind="promise_broken")
    assert {n.recipient for n in told} == {owner, lead}
    assert all(promise.customer.full_name in n.subject for n in told)


def test_the_sweep_run_twice_notifies_once():
    _broken_promise_in_a_team()

    first = services.promises_mark_broken(now=timezone.now())
    second = services.promises_mark_broken(now=timezone.now())

    assert (first, second) == (1, 0)
    assert Notification.objects.filter(kind="promise_broken").count() == 2


def test_notifications_are_unique_even_if_two_sweeps_race():
    promise, _owner, _lead = _broken_promise_in_a_team()

    notifications.promises_broken(promises=[promise])
    notifications.promises_broken(promises=[promise])  # as if a second worker got there too

    assert Notification.objects.filter(kind="promise_broken").count() == 2


def test_a_sweep_after_an_outage_catches_up_on_everything_that_broke():
    for hours in (1, 5, 30):
        PromiseFactory(due_at=timezone.now() - timedelta(hours=hours))
    PromiseFactory(due_at=timezone.now() + timedelta(hours=1))

    assert services.promises_mark_broken(now=timezone.now()) == 3
    assert Promise.objects.filter(broken_at__isnull=False).count() == 3


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

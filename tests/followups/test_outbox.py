"""The outbox (contactcare.outbox): one e-mail per person per run, over one connection, each notification once."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcare import outbox
from contactcare.models import Notification
from followups import notifications, services

from ..factories import ContactMomentFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


class CountingBackend(EmailBackend):
    """The locmem backend, counting the connections opened and the messages each carried."""

    opened: list[int] = []  # one list per test, reset by the fixture

    def open(self):
        CountingBackend.opened.append(0)
        return True

    def send_messages(self, messages):
        CountingBackend.opened[-1] += len(messages)
        return super().send_messages(messages)


@pytest.fixture
def counting(settings):
    settings.EMAIL_BACKEND = "tests.followups.test_outbox.CountingBackend"
    settings.LANGUAGE_CODE = "en"
    CountingBackend.opened = []
    return CountingBackend


def _notices(person, count: int) -> None:
    """`count` promises of `person` that broke, each noticed (to them, and to no lead)."""
    moment = ContactMomentFactory(logged_by=person, team=None)
    PromiseFactory.create_batch(count, moment=moment, team=None, due_at=timezone.now() - timedelta(minutes=5))
    services.promises_mark_broken(now=timezone.now())


def test_fifty_notices_to_one_person_are_one_e_mail_with_the_count_and_a_link(counting):
    anna = UserFactory(email="anna@example.com")
    _notices(anna, 50)

    sent = outbox.dispatch(now=timezone.now())

    assert sent == 50
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.com"]
    assert message.subject == "50 new notifications"
    assert message.body.count("- Promise broken: ") == 25
    assert "… and 25 more." in message.body
    assert message.body.endswith(reverse("followups:notification-list"))
    assert Notification.objects.filter(recipient=anna, status="sent").count() == 50
    # the app still lists each one
    assert Notification.objects.for_user(anna).unread().count() == 50


def test_three_people_get_three_e_mails_over_one_connection(counting):
    people = [UserFactory(email=f"p{n}@example.com") for n in range(3)]
    for n, person in enumerate(people):
        _notices(person, n + 1)

    outbox.dispatch(now=timezone.now())

    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert counting.opened == [3]  # one connection, three messages
    alone = next(m for m in mail.outbox if m.to == ["p0@example.com"])
    assert alone.subject.startswith("Promise broken: ")  # a single notice goes as itself


def test_dispatch_queries_do_not_grow_with_the_notices_of_a_person(counting, django_assert_max_num_queries):
    few, many = UserFactory(), UserFactory()
    _notices(few, 2)
    with CaptureQueriesContext(connection) as small:
        outbox.dispatch(now=timezone.now())
    _notices(many, 60)

    with django_assert_max_num_queries(len(small.captured_queries)):
        assert outbox.dispatch(now=timezone.now()) == 60


def test_a_digest_and_notices_for_one_person_are_two_e_mails(counting):
    anna = UserFactory(email="anna@example.com")
    _notices(anna, 2)
    Notification.objects.create(
        recipient=anna, kind=Notification.Kind.DIGEST, key="digest:2026-11-23", subject="Your day", body="…"
    )
    Notification.objects.update(next_attempt_at=timezone.now())

    outbox.dispatch(now=timezone.now())

    assert sorted(m.subject for m in mail.outbox) == ["2 new notifications", "Your day"]


def test_two_dispatch_runs_send_each_notification_once(counting):
    anna = UserFactory(email="anna@example.com")
    _notices(anna, 5)

    first = outbox.dispatch(now=timezone.now())
    second = outbox.dispatch(now=timezone.now())

    assert (first, second) == (5, 0)
    assert len(mail.outbox) == 1


def test_a_run_takes_what_a_dead_worker_had_claimed_and_nothing_sent(counting):
    anna = UserFactory(email="anna@example.com")
    _notices(anna, 3)
    Notification.objects.update(status="sending", claimed_at=timezone.now() - timedelta(minutes=30))
    Notification.objects.filter(pk=Notification.objects.order_by("pk").first().pk).update(
        status="sent", sent_at=timezone.now()
    )

    assert outbox.dispatch(now=timezone.now()) == 2
    assert mail.outbox[0].subject == "2 new notifications"


def test_people_without_an_e_mail_address_read_theirs_in_the_app(counting):
    bram = UserFactory(email="")
    _notices(bram, 2)

    outbox.dispatch(now=timezone.now())

    assert mail.outbox == []
    assert Notification.objects.filter(recipient=bram, status="sent").count() == 2


def test_a_mail_server_that_refuses_the_connection_sends_nothing_and_retries_later(settings):
    settings.EMAIL_BACKEND = "tests.followups.test_outbox.RefusingBackend"
    anna = UserFactory(email="anna@example.com")
    _notices(anna, 4)
    now = timezone.now()

    assert outbox.dispatch(now=now) == 0

    waiting = Notification.objects.filter(status="pending", attempts=1, last_error="ConnectionRefusedError")
    assert waiting.count() == 4
    assert not Notification.objects.due_for_sending(now + timedelta(minutes=1)).exists()  # backing off
    assert Notification.objects.due_for_sending(now + timedelta(minutes=3)).count() == 4


class RefusingBackend(EmailBackend):
    def open(self):
        raise ConnectionRefusedError


def test_enqueue_keeps_one_row_per_recipient_kind_and_key(django_capture_on_commit_callbacks):
    anna = UserFactory()
    promise = PromiseFactory(owner=anna)

    with django_capture_on_commit_callbacks() as callbacks:
        notifications.promise_assigned(promise=promise)
        notifications.promise_assigned(promise=promise)

    assert Notification.objects.filter(recipient=anna, kind="promise_assigned").count() == 1
    assert len(callbacks) == 2  # each asks a worker to send; the claim makes the second a no-op


def test_id_set_takes_more_ids_than_sqlite_takes_parameters():
    notices = [
        Notification(recipient=UserFactory(), kind="promise_broken", key="promise:1", subject="s", body="b"),
    ]
    Notification.objects.bulk_create(notices)
    ids = [notices[0].pk, *range(10**12, 10**12 + 40_000)]

    assert Notification.objects.filter(pk__in=outbox.id_set(ids)).count() == 1


def test_the_team_lead_gets_one_notice_for_the_run_and_the_owner_one_e_mail_listing_three(counting, settings):
    settings.LANGUAGE_CODE = "en"
    owner, lead = UserFactory(email="owner@example.com"), UserFactory(email="lead@example.com")
    team = TeamFactory(members=[owner], lead=lead)
    moment = ContactMomentFactory(logged_by=owner, team=team)
    PromiseFactory.create_batch(3, moment=moment, due_at=timezone.now() - timedelta(minutes=5))
    services.promises_mark_broken(now=timezone.now())

    outbox.dispatch(now=timezone.now())

    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("lead@example.com", f"3 promises of {team.name} broke"),
        ("owner@example.com", "3 new notifications"),
    ]


def _at_once(work, times: int = 2) -> list:
    """Run `work` in `times` threads that start together, each on its own database connection."""
    barrier = threading.Barrier(times)

    def start():
        barrier.wait()
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(lambda _: start(), range(times)))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (SQLite locks)")
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_and_two_dispatches_at_once_notice_and_send_each_promise_once(counting):
    owner, lead = UserFactory(email="owner@example.com"), UserFactory(email="lead@example.com")
    team = TeamFactory(members=[owner], lead=lead)
    moment = ContactMomentFactory(logged_by=owner, team=team)
    PromiseFactory.create_batch(60, moment=moment, due_at=timezone.now() - timedelta(minutes=5))

    marked = _at_once(lambda: services.promises_mark_broken(now=timezone.now()))
    sent = _at_once(lambda: outbox.dispatch(now=timezone.now()))

    assert sum(marked) == 60
    to_lead = Notification.objects.filter(recipient=lead)
    assert sum(int(n.subject.split()[0]) for n in to_lead) == 60  # one notice per run that told anyone, counting
    assert Notification.objects.filter(recipient=owner).count() == 60
    assert sum(sent) == 60 + to_lead.count()
    assert Notification.objects.exclude(status="sent").count() == 0
    # Each run sends one e-mail per person it claimed notices for: one or two each, however the runs split them.
    per_person = {address: [m.to[0] for m in mail.outbox].count(address) for address in {m.to[0] for m in mail.outbox}}
    assert set(per_person) == {"lead@example.com", "owner@example.com"}
    assert all(1 <= count <= 2 for count in per_person.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (SQLite locks)")
@pytest.mark.django_db(transaction=True)
def test_a_notice_written_meanwhile_by_another_sweep_is_not_written_twice_nor_counted_twice():
    """The sweep writes its notices with a plain INSERT after leaving out those that exist; a notice another
    sweep writes meanwhile (not yet committed when this one looked) makes the unique key refuse that INSERT,
    and the careful statement writes the rest and counts only those."""
    owner, lead = UserFactory(), UserFactory()
    team = TeamFactory(members=[owner], lead=lead)
    moment = ContactMomentFactory(logged_by=owner, team=team)
    promises = PromiseFactory.create_batch(5, moment=moment, due_at=timezone.now() - timedelta(minutes=5))
    written, release = threading.Event(), threading.Event()

    def other_sweep():  # writes the first promise's notice and commits only when told to
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=owner, kind=Notification.Kind.PROMISE_BROKEN, key=f"promise:{promises[0].pk}"
                )
                written.set()
                release.wait(10)
        finally:
            connection.close()

    def this_sweep():
        try:
            return services.promises_mark_broken(now=timezone.now())
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        other = pool.submit(other_sweep)
        assert written.wait(10)
        mine = pool.submit(this_sweep)
        time.sleep(0.5)  # this sweep now waits on the other's uncommitted key
        release.set()
        other.result(10)
        marked = mine.result(30)

    assert marked == 4
    keys = sorted(Notification.objects.filter(recipient=owner).values_list("key", flat=True))
    assert keys == sorted(f"promise:{p.pk}" for p in promises)
    (to_lead,) = Notification.objects.filter(recipient=lead)
    assert to_lead.subject.split()[0] == "4"


def test_deleting_a_person_deletes_their_notifications_without_a_foreign_key_in_the_database():
    """The recipient has no foreign key in the database (the sweep's 100,000 checks cost 0.4 s): Django's
    CASCADE removes a deleted person's notifications, and nobody else's."""
    gone, stays = UserFactory(), UserFactory()
    outbox.enqueue(
        Notification(recipient=user, kind=Notification.Kind.PROMISE_ASSIGNED, key="k", subject="s", body="b")
        for user in (gone, stays)
    )
    gone.delete()
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [stays.pk]


def test_the_roles_keep_their_rights_on_the_moved_outbox():
    from contactcare import roles

    staff, manager = UserFactory(role=roles.STAFF), UserFactory(role=roles.MANAGER)

    assert staff.has_perm("contactcare.view_notification")
    assert not staff.has_perm("contactcare.view_followup_status")
    assert manager.has_perms(
        ["contactcare.view_notification", "contactcare.view_followup_status", "contactcare.change_notification"]
    )

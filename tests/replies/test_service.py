"""An inbound e-mail owes the customer a reply: reply-by promises (followups.services, issue 13).

Times are fixed and hand-computed (09:00-17:00, NL business days); contacts
in the past make promises whose due time may have passed, which is what a
contact logged after the fact does.
"""

import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contactcare.models import Notification
from contactcare.services import AlreadySubmitted
from followups import services
from followups.models import Promise
from tests.factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

AMS = ZoneInfo("Europe/Amsterdam")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def log(customer, user, *, when, channel="email", direction="in", team=None, **fields):
    return services.contact_log(
        customer=customer,
        actor=user,
        occurred_at=when,
        channel=channel,
        direction=direction,
        summary="Vraag over de factuur",
        team=team,
        **fields,
    )


def replies(customer):
    return Promise.objects.replies().filter(customer=customer)


def test_an_inbound_email_owes_a_reply_due_one_business_day_later(customer, anna, team):
    moment = log(customer, anna, when=at(2026, 11, 24, 10, 12), team=team)  # Tuesday

    promise = replies(customer).get()
    assert promise.kind == Promise.Kind.REPLY
    assert promise.due_at == at(2026, 11, 25, 10, 12)  # Wednesday 25 November, 10:12
    assert (promise.moment, promise.owner, promise.team, promise.made_at) == (moment, anna, team, moment.occurred_at)
    assert promise.description == "Antwoord op de e-mail"  # stored in the desk's language, as a callback's
    assert promise.history.get().history_user == anna


def test_an_email_on_friday_1655_before_whit_monday_is_due_tuesday_1655(customer, anna, team):
    # Friday 22 May 2026 16:55; Whit Monday 25 May is a holiday: 5 minutes on Friday, 7 h 55 min on Tuesday.
    log(customer, anna, when=at(2026, 5, 22, 16, 55), team=team)

    assert replies(customer).get().due_at == at(2026, 5, 26, 16, 55)


def test_a_letter_is_due_in_five_business_days_and_social_media_in_four_business_hours(anna, team):
    letter, social = CustomerFactory(), CustomerFactory()
    log(letter, anna, when=at(2026, 11, 19, 14, 0), channel="letter", team=team)  # Thursday
    log(social, anna, when=at(2026, 11, 25, 15, 30), channel="social", team=team)  # Wednesday

    assert replies(letter).get().due_at == at(2026, 11, 26, 14, 0)
    assert replies(social).get().due_at == at(2026, 11, 26, 11, 30)


@pytest.mark.parametrize(("channel", "direction"), [("phone", "in"), ("chat", "in"), ("desk", "in"), ("email", "out")])
def test_a_call_a_chat_a_visit_or_our_own_email_owes_no_reply(customer, anna, channel, direction):
    log(customer, anna, when=timezone.now() - timedelta(minutes=5), channel=channel, direction=direction)
    assert not replies(customer).exists()


def test_an_outbound_contact_on_any_channel_by_the_due_time_keeps_it_in_time(customer, anna, bram, team):
    log(customer, anna, when=at(2026, 11, 24, 10, 12), team=team)

    log(customer, bram, when=at(2026, 11, 25, 10, 12), channel="phone", direction="out")  # at the due time itself

    promise = replies(customer).get()
    assert (promise.status, promise.kept_at) == (Promise.Status.KEPT, at(2026, 11, 25, 10, 12))
    assert Promise.objects.kept_on_time().filter(pk=promise.pk).exists()
    assert promise.broken_at is None
    assert promise.history.order_by("-history_date").first().history_user == bram


def test_a_reply_one_minute_late_keeps_it_late_and_it_broke_at_its_due_time(customer, anna, team):
    log(customer, anna, when=at(2026, 11, 24, 10, 12), team=team)

    log(customer, anna, when=at(2026, 11, 25, 10, 13), direction="out")

    promise = replies(customer).get()
    assert promise.status == Promise.Status.KEPT
    assert Promise.objects.kept_late().filter(pk=promise.pk).exists()
    assert promise.broken_at == at(2026, 11, 25, 10, 12)


def test_a_reply_in_the_minute_of_the_email_keeps_it(customer, anna, team):
    # contacts are typed to the minute: the e-mail logged at 10:12:40, the answer typed as 10:12
    log(customer, anna, when=timezone.now().replace(second=40, microsecond=0) - timedelta(minutes=3), team=team)
    answer = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=3)

    log(customer, anna, when=answer, direction="out")

    assert replies(customer).get().status == Promise.Status.KEPT


def test_an_outbound_contact_before_the_email_or_to_another_customer_keeps_nothing(customer, anna, team):
    log(customer, anna, when=timezone.now() - timedelta(minutes=10), team=team)

    log(customer, anna, when=timezone.now() - timedelta(minutes=12), direction="out")
    log(CustomerFactory(), anna, when=timezone.now() - timedelta(minutes=1), direction="out")
    log(customer, anna, when=timezone.now() - timedelta(minutes=1), direction="in", channel="phone")

    assert replies(customer).get().status == Promise.Status.OPEN


def test_a_second_email_before_the_reply_keeps_the_first_earlier_term(customer, anna, bram, team):
    first = log(customer, anna, when=at(2026, 11, 24, 10, 12), team=team)
    log(customer, bram, when=at(2026, 11, 24, 15, 0), team=team)

    promise = replies(customer).get()  # one, not two
    assert promise.moment == first
    assert promise.due_at == at(2026, 11, 25, 10, 12)  # the first e-mail's term: what the customer was told
    assert promise.owner == anna


def test_an_email_after_a_letter_brings_the_reply_forward_to_its_own_shorter_term(customer, anna, team):
    log(customer, anna, when=at(2026, 11, 19, 14, 0), channel="letter", team=team)  # due Thursday 26 November
    log(customer, anna, when=at(2026, 11, 23, 9, 30), channel="email", team=team)  # due Tuesday 24 November 09:30

    promise = replies(customer).get()
    assert promise.due_at == at(2026, 11, 24, 9, 30)
    assert promise.history.order_by("-history_date").first().history_change_reason == "replied sooner"


def test_each_team_owes_its_own_reply_and_so_does_a_contact_without_team(customer, anna, team):
    other = TeamFactory(members=[anna])
    log(customer, anna, when=at(2026, 11, 24, 10, 0), team=team)
    log(customer, anna, when=at(2026, 11, 24, 10, 5), team=other)
    log(customer, anna, when=at(2026, 11, 24, 10, 10), team=None)
    log(customer, anna, when=at(2026, 11, 24, 10, 15), team=None)

    assert sorted(str(p.team_id) for p in replies(customer)) == sorted([str(team.pk), str(other.pk), "None"])


def test_one_reply_after_emails_to_two_teams_keeps_both(customer, anna, team):
    other = TeamFactory(members=[anna])
    log(customer, anna, when=at(2026, 11, 24, 10, 0), team=team)
    log(customer, anna, when=at(2026, 11, 24, 10, 5), team=other)

    log(customer, anna, when=at(2026, 11, 24, 11, 0), direction="out", channel="email", team=team)

    assert set(replies(customer).values_list("status", flat=True)) == {Promise.Status.KEPT}


@pytest.mark.parametrize("team_given", [True, False])
def test_the_database_holds_one_open_reply_per_customer_and_team(customer, anna, team, team_given):
    moment = log(customer, anna, when=at(2026, 11, 24, 10, 0), team=team if team_given else None)
    with pytest.raises(IntegrityError), transaction.atomic():
        PromiseFactory(moment=moment, kind=Promise.Kind.REPLY, description="Nog een antwoord")


def test_an_email_logged_after_its_reply_was_logged_is_kept_at_the_reply(customer, anna, team):
    reply = log(customer, anna, when=at(2026, 11, 24, 11, 0), direction="out", team=team)

    log(customer, anna, when=at(2026, 11, 24, 10, 0), team=team)  # typed in afterwards

    promise = replies(customer).get()
    assert (promise.status, promise.kept_at) == (Promise.Status.KEPT, reply.occurred_at)
    assert not Notification.objects.filter(kind=Notification.Kind.PROMISE_BROKEN).exists()


def test_an_email_logged_after_its_term_passed_is_broken_and_told_at_once(customer, anna, lead, team):
    log(customer, anna, when=at(2026, 11, 24, 10, 12), team=team)

    promise = replies(customer).get()
    assert Promise.objects.broken(timezone.now()).filter(pk=promise.pk).exists()
    told = Notification.objects.filter(kind=Notification.Kind.PROMISE_BROKEN, key=f"promise:{promise.pk}")
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted([anna.username])
    assert services.promises_mark_broken(now=timezone.now()) == 0  # told once


def test_the_broken_promise_sweep_tells_the_owner_once(customer, anna, lead, team):
    log(customer, anna, when=timezone.now() - timedelta(minutes=5), team=team)
    promise = replies(customer).get()
    after = promise.due_at + timedelta(minutes=1)

    assert services.promises_mark_broken(now=after) == 1
    assert services.promises_mark_broken(now=after) == 0

    notice = Notification.objects.get(kind=Notification.Kind.PROMISE_BROKEN, recipient=anna)
    assert "Fenna Bakker" in notice.subject and "Antwoord op de e-mail" in notice.body
    assert notice.subject.startswith("Antwoord te laat")


def test_deleting_the_email_cancels_its_reply(customer, anna, team):
    moment = log(customer, anna, when=timezone.now() - timedelta(minutes=5), team=team)

    services.contact_delete(moment=moment, actor=anna, reason="Verkeerde klant")

    assert replies(customer).get().status == Promise.Status.CANCELLED


def test_the_logger_keeps_it_and_the_team_queue_when_the_logger_left(customer, anna, bram, team):
    anna.is_active = False
    anna.save(update_fields=["is_active"])

    log(customer, bram, when=timezone.now() - timedelta(minutes=5), team=team, logged_by=anna)

    assert replies(customer).get().owner is None


def test_the_managers_terms_apply(customer, anna, lead, team):
    services.desk_settings_save(
        actor=lead, opening_hours="08:00-16:00", reply_terms={"email": "", "letter": "2d"}, keep_informed_days=3
    )
    log(customer, anna, when=at(2026, 11, 24, 10, 0), team=team)
    log(customer, anna, when=at(2026, 11, 24, 15, 30), channel="letter", team=team)

    # no term for e-mail any more; a letter at 15:30 with 2 days of 8 hours (08:00-16:00): 30 min on Tuesday,
    # 8 h on Wednesday, 7 h 30 min on Thursday from 08:00 = Thursday 26 November 15:30
    assert replies(customer).get().due_at == at(2026, 11, 26, 15, 30)


def test_a_double_submit_owes_one_reply(customer, anna, team):
    key = "7c0f5b5e-8b0d-4a59-9c67-0d54f4f2f3a1"
    log(customer, anna, when=timezone.now() - timedelta(minutes=5), team=team, submission_key=key)
    with pytest.raises(AlreadySubmitted):
        log(customer, anna, when=timezone.now() - timedelta(minutes=5), team=team, submission_key=key)

    assert replies(customer).count() == 1


def test_reply_promises_are_not_people_s_promises_but_show_on_my_day_as_promises(customer, anna, team):
    from followups.models import PromiseIs

    log(customer, anna, when=timezone.now() - timedelta(minutes=5), team=team)

    assert not Promise.objects.filter(PromiseIs.made_by_person()).exists()
    assert Promise.objects.filter(PromiseIs.reply(), owner=anna).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
def test_two_emails_at_once_owe_one_reply():
    # The service alone, without the customer's row lock that logging takes: the unique index decides.
    anna, team, customer = UserFactory(username="race-anna"), TeamFactory(), CustomerFactory()
    moments = [
        ContactMomentFactory(customer=customer, logged_by=anna, team=team, channel="email", direction="in")
        for _ in range(2)
    ]
    inside, results, errors = threading.Event(), [], []

    def reply(moment, *, first):
        try:
            with transaction.atomic():
                if not first:
                    inside.wait(timeout=10)
                results.append(services.reply_promise_for_contact(moment=moment, actor=anna).pk)
                if first:
                    inside.set()
                    time.sleep(0.4)  # its promise still uncommitted while the second e-mail comes in
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reply, args=(m,), kwargs={"first": i == 0}) for i, m in enumerate(moments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(set(results)) == 1
    assert Promise.objects.replies().count() == 1

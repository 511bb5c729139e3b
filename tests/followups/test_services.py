"""The follow-up engine's rules, through its services."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import ContactMoment
from followups import services
from followups.models import CheckIn, CheckInPolicy, Notification, Promise

from ..dates import business_day_ahead
from ..factories import (
    CheckInFactory,
    CheckInPolicyFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def log(customer, user, *, when=None, direction="in", **fields):
    return services.contact_log(
        customer=customer,
        actor=user,
        occurred_at=when or timezone.now(),
        channel=fields.pop("channel", "phone"),
        direction=direction,
        summary=fields.pop("summary", "Vraag over de factuur"),
        **fields,
    )


def test_the_default_policy_exists_after_migrating():
    policy = CheckInPolicy.objects.get()

    assert (policy.offsets, policy.day_type, policy.holiday_country, policy.directions) == (
        "3d, 6w",
        "business",
        "NL",
        ["in"],
    )


def test_logging_an_inbound_contact_plans_day_three_and_week_six_for_the_same_voice():
    anna = UserFactory()
    team = TeamFactory(members=[anna])
    customer = CustomerFactory()
    friday = datetime(2026, 11, 20, 10, 0, tzinfo=AMSTERDAM)

    moment = log(customer, anna, when=friday, team=team)

    planned = {c.kind: c for c in moment.planned_checkins.all()}
    assert planned["3d"].due_date == date(2026, 11, 25)
    assert planned["6w"].due_date == date(2027, 1, 1) + timedelta(days=3)  # Fri 1 Jan 2027 is New Year → Mon 4 Jan
    assert {c.assignee for c in planned.values()} == {anna}
    assert {c.team for c in planned.values()} == {team}


def test_a_contact_late_on_the_dst_sunday_plans_by_the_local_date():
    # Sunday 26 October 2025, 23:30 in Amsterdam: the clocks went back that night
    when = datetime(2025, 10, 26, 23, 30, tzinfo=AMSTERDAM)

    moment = log(CustomerFactory(), UserFactory(), when=when)

    due = {c.kind: c.due_date for c in moment.planned_checkins.all()}
    assert due == {"3d": date(2025, 10, 29), "6w": date(2025, 12, 8)}  # week six: Sunday 7 Dec → Monday


def test_an_outbound_contact_plans_nothing_under_the_default_policy():
    moment = log(CustomerFactory(), UserFactory(), direction="out")

    assert not moment.planned_checkins.exists()


def test_a_policy_only_triggers_on_its_topics_channels_and_outcomes(settings):
    CheckInPolicy.objects.update(is_active=False)
    policy = CheckInPolicyFactory(
        name="Complaints", offsets="1d", channels=["email"], outcomes=["follow_up"], directions=[]
    )
    customer, user = CustomerFactory(), UserFactory()

    by_phone = log(customer, user, outcome="follow_up")
    by_mail_resolved = log(customer, user, channel="email", outcome="resolved")
    by_mail_follow_up = log(customer, user, channel="email", outcome="follow_up")

    planned_by_policies = {"policy__isnull": False}  # an inbound e-mail also owes a reply, kept informed (issue 13)
    assert not by_phone.planned_checkins.filter(**planned_by_policies).exists()
    assert not by_mail_resolved.planned_checkins.filter(**planned_by_policies).exists()
    assert by_mail_follow_up.planned_checkins.filter(**planned_by_policies).get().policy == policy


def test_a_new_contact_supersedes_the_older_open_check_ins_of_the_same_kind():
    customer, user = CustomerFactory(), UserFactory()
    first = log(customer, user, when=timezone.now() - timedelta(days=1))
    old = {c.kind: c for c in first.planned_checkins.all()}

    second = log(customer, user)

    for kind, checkin in old.items():
        checkin.refresh_from_db()
        new = second.planned_checkins.get(kind=kind)
        assert checkin.status == CheckIn.Status.SUPERSEDED
        assert checkin.superseded_by == new
        assert checkin.history.first().history_change_reason == "superseded"
    assert CheckIn.objects.open().filter(customer=customer).count() == 2


def test_the_database_refuses_two_open_check_ins_of_one_kind_for_one_customer():
    checkin = CheckInFactory(kind="3d")

    with pytest.raises(IntegrityError), transaction.atomic():
        CheckInFactory(kind="3d", origin=checkin.origin)


def test_a_contact_logged_after_the_fact_does_not_supersede_a_newer_plan():
    customer, user = CustomerFactory(), UserFactory()
    recent = log(customer, user)

    backdated = log(customer, user, when=timezone.now() - timedelta(days=5))

    assert not backdated.planned_checkins.exists()
    assert recent.planned_checkins.open().count() == 2


def test_check_ins_go_to_the_teams_queue_when_the_logger_has_left():
    leaver = UserFactory(is_active=False)
    team = TeamFactory(members=[leaver])

    moment = log(CustomerFactory(), leaver, team=team)

    assert {(c.assignee, c.team) for c in moment.planned_checkins.all()} == {(None, team)}


def test_a_call_for_a_check_in_marks_it_done_and_plans_nothing_new():
    checkin = CheckInFactory(due_date=timezone.localdate() - timedelta(days=1))

    moment = log(checkin.customer, checkin.assignee, direction="in", checkin=checkin)

    checkin.refresh_from_db()
    assert (checkin.status, checkin.done_moment, checkin.done_date) == ("done", moment, timezone.localdate())
    assert CheckIn.objects.done_late().get() == checkin
    assert not moment.planned_checkins.exists()


def test_a_check_in_of_another_customer_cannot_be_completed():
    checkin = CheckInFactory()

    with pytest.raises(ValidationError):
        log(CustomerFactory(), checkin.assignee, checkin=checkin)

    assert not ContactMoment.objects.exclude(pk=checkin.origin_id).exists()  # nothing half-written


def test_skip_needs_a_reason_and_keeps_it():
    checkin = CheckInFactory()

    with pytest.raises(ValidationError):
        services.checkin_skip(checkin=checkin, reason=" ", actor=checkin.assignee)
    services.checkin_skip(checkin=checkin, reason="Customer moved abroad", actor=checkin.assignee)

    checkin.refresh_from_db()
    assert (checkin.status, checkin.skip_reason) == ("skipped", "Customer moved abroad")


def test_rescheduling_keeps_the_reason_in_the_history():
    checkin = CheckInFactory()
    next_week = business_day_ahead(7)

    services.checkin_reschedule(
        checkin=checkin, due=next_week, reason="Asked to call next week", actor=checkin.assignee
    )

    checkin.refresh_from_db()
    assert checkin.due_date == next_week
    assert checkin.history.first().history_change_reason == "Asked to call next week"
    assert checkin.history.count() == 2


def test_a_closed_check_in_cannot_be_rescheduled():
    checkin = CheckInFactory(status=CheckIn.Status.SKIPPED)

    with pytest.raises(ValidationError):
        services.checkin_reschedule(checkin=checkin, due=timezone.localdate(), reason="x", actor=checkin.assignee)


def test_promises_are_written_with_the_contact():
    anna, bram = UserFactory(), UserFactory()
    due = timezone.now() + timedelta(days=2)

    moment = log(
        CustomerFactory(),
        anna,
        promises=[
            {"description": "Bel terug met de reparatiedatum", "due_at": due, "owner": anna},
            {"description": "Stuur de nieuwe factuur", "due_at": due, "owner": bram},
        ],
    )

    assert moment.promises.count() == 2
    assert moment.promises.get(owner=bram).created_by == anna
    # a colleague who is given a promise hears of it; a promise to oneself needs no message
    assert list(Notification.objects.values_list("recipient", "kind")) == [(bram.pk, "promise_assigned")]


def test_a_promise_due_in_the_past_is_refused_and_nothing_of_the_contact_is_saved():
    anna = UserFactory()
    customer = CustomerFactory()

    with pytest.raises(ValidationError) as refused:
        log(
            customer,
            anna,
            promises=[{"description": "Too late", "due_at": timezone.now() - timedelta(hours=1), "owner": anna}],
        )

    assert "due_at" in refused.value.error_dict
    assert not ContactMoment.objects.filter(customer=customer).exists()
    assert not CheckIn.objects.filter(customer=customer).exists()


def test_a_promise_kept_before_its_due_time_is_kept_on_time():
    promise = PromiseFactory()

    services.promise_keep(promise=promise, actor=promise.owner)

    assert Promise.objects.kept_on_time().get() == promise
    assert not Promise.objects.kept_late().exists()


def test_a_promise_kept_one_minute_late_is_kept_late():
    promise = PromiseFactory()

    services.promise_keep(promise=promise, actor=promise.owner, now=promise.due_at + timedelta(minutes=1))

    assert Promise.objects.kept_late().get() == promise
    assert not Promise.objects.broken(timezone.now() + timedelta(days=9)).exists()


def test_an_open_promise_past_due_is_broken_without_any_sweep():
    promise = PromiseFactory()

    assert not Promise.objects.broken(timezone.now()).exists()
    assert Promise.objects.broken(promise.due_at + timedelta(seconds=1)).get() == promise
    assert promise.broken_at is None  # not yet due


def test_cancelling_needs_a_reason_and_a_cancelled_promise_cannot_be_kept():
    promise = PromiseFactory()

    with pytest.raises(ValidationError):
        services.promise_cancel(promise=promise, reason="", actor=promise.owner)
    services.promise_cancel(promise=promise, reason="Customer solved it", actor=promise.owner)

    with pytest.raises(ValidationError):
        services.promise_keep(promise=promise, actor=promise.owner)
    promise.refresh_from_db()
    assert (promise.status, promise.cancel_reason) == ("cancelled", "Customer solved it")


@pytest.mark.parametrize("minutes", [-90, -1, 0, 1, 90])
@pytest.mark.parametrize("status", ["open", "kept", "cancelled"])
def test_a_promise_in_hand_is_broken_exactly_when_the_query_says_so(minutes, status):
    """Promise.is_broken (the API's is_broken) and PromiseIs.broken (My day, the board, the report) agree."""
    from followups.models import Promise

    now = timezone.now()
    promise = PromiseFactory(due_at=now + timedelta(minutes=minutes))
    if status != "open":
        Promise.objects.filter(pk=promise.pk).update(
            status=status,
            kept_at=now if status == "kept" else None,
            cancelled_at=now if status == "cancelled" else None,
        )
    promise.refresh_from_db()

    assert promise.is_broken(now) == Promise.objects.broken(now).filter(pk=promise.pk).exists()

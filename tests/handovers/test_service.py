"""Handing a customer over, accepting and passing on: followups.handovers, the only writes of Handover."""

import threading
import time
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from contactcare.models import Notification
from contactcare.services import AlreadySubmitted
from followups import handovers
from followups.handovers import Receiver
from followups.models import CheckIn, Handover, HandoverIs, Promise
from followups.selectors import followup_history
from tests.factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    UserFactory,
)

from .conftest import NOTE, at, hand_over

pytestmark = pytest.mark.django_db


def _error_code(excinfo, field=None) -> str:
    error = excinfo.value
    if field is None:
        return error.code
    return error.error_dict[field][0].code


# --- Handing over -------------------------------------------------------------------


def test_a_handover_to_a_team_waits_with_its_note_and_tells_every_member_and_the_lead(desk):
    handover = hand_over(desk)

    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING
    assert (handover.customer, handover.from_user, handover.to_team, handover.to_user) == (
        desk.customer,
        desk.anna,
        desk.zuid,
        None,
    )
    assert handover.team == desk.zuid  # the receiving team: its lead hears when it waits too long
    assert handover.note == NOTE
    assert handover.chain_started_at == handover.created_at and handover.first is None
    told = Notification.objects.filter(kind=Notification.Kind.HANDOVER, key=f"handover:{handover.pk}")
    assert set(told.values_list("recipient__username", flat=True)) == {"ho-chris", "ho-dewi", "ho-sem"}
    notice = told.get(recipient=desk.chris)
    assert "Fenna Bakker" in notice.subject
    assert NOTE in notice.body
    assert notice.link == desk.customer.get_absolute_url()


def test_a_handover_to_a_colleague_tells_that_colleague_and_belongs_to_their_team(desk):
    handover = hand_over(desk, to=desk.chris)

    assert (handover.to_user, handover.to_team, handover.team) == (desk.chris, None, desk.zuid)
    told = Notification.objects.filter(kind=Notification.Kind.HANDOVER)
    assert list(told.values_list("recipient", flat=True)) == [desk.chris.pk]


def test_a_colleague_in_two_teams_belongs_to_the_one_shared_with_the_sender(desk):
    desk.noord.members.add(desk.chris)  # Chris works in Noord and Zuid; Anna is in Noord

    assert hand_over(desk, to=desk.chris).team == desk.noord
    assert hand_over(desk, by=desk.dewi, to=desk.chris, customer=CustomerFactory()).team == desk.zuid


def test_the_note_is_tidied_but_kept_whole(desk):
    handover = hand_over(desk, note="  Line one\r\nline two\x00  ")
    assert handover.note == "Line one\nline two"


@pytest.mark.parametrize("note", ["", "   ", "\x00"])
def test_a_handover_without_a_note_is_refused(desk, note):
    with pytest.raises(ValidationError) as refused:
        hand_over(desk, note=note)
    assert _error_code(refused, "note") == "required"
    assert not Handover.objects.exists()


def test_a_note_of_5000_characters_is_refused_with_its_length_never_cut(desk):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        hand_over(desk, note="x" * 5000)
    assert _error_code(refused, "note") == "max_length"
    assert "1000" in str(refused.value) and "5000" in str(refused.value)
    assert not Handover.objects.exists()


def test_a_note_of_exactly_the_limit_is_kept(desk):
    assert len(hand_over(desk, note="y" * Handover.NOTE_MAX_LENGTH).note) == Handover.NOTE_MAX_LENGTH


def test_nobody_hands_a_customer_over_to_themselves(desk):
    with pytest.raises(ValidationError) as refused:
        hand_over(desk, to=desk.anna)
    assert _error_code(refused, "to") == "self"


def test_a_colleague_who_left_cannot_take_a_handover(desk):
    desk.chris.is_active = False
    desk.chris.save()
    with pytest.raises(ValidationError) as refused:
        hand_over(desk, to=desk.chris)
    assert _error_code(refused, "to") == "inactive"


def test_a_team_nobody_could_answer_for_is_refused(desk):
    empty = TeamFactory(name="Team Leeg")
    with pytest.raises(ValidationError) as refused:
        handovers.handover_create(customer=desk.customer, actor=desk.anna, to=Receiver(team=empty), note=NOTE)
    assert _error_code(refused, "to") == "empty_team"


def test_a_second_handover_to_the_same_receiver_while_the_first_waits_is_refused(desk):
    first = hand_over(desk)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        hand_over(desk, by=desk.bram)
    assert _error_code(refused, "to") == "already_waiting"
    assert "Anna de Vries" in str(refused.value)
    assert list(Handover.objects.values_list("pk", flat=True)) == [first.pk]
    hand_over(desk, to=desk.chris)  # another receiver: another need


def test_the_database_holds_one_pending_handover_per_customer_and_receiver(desk):
    first = hand_over(desk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            customer=desk.customer,
            from_user=desk.bram,
            to_team=desk.zuid,
            note="again",
            created_at=first.created_at,
            chain_started_at=first.created_at,
            accept_by=first.accept_by,
        )


def test_the_database_refuses_a_handover_to_nobody_or_to_two(desk):
    now = timezone.now()
    common = {"customer": desk.customer, "from_user": desk.anna, "note": "x", "created_at": now}
    common |= {"chain_started_at": now, "accept_by": now}
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(**common)
    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(**common, to_user=desk.chris, to_team=desk.zuid)


def test_a_double_click_hands_over_once(desk):
    key = uuid.uuid4()
    first = hand_over(desk, submission_key=key)

    with pytest.raises(AlreadySubmitted) as again:
        hand_over(desk, submission_key=key)

    assert again.value.target == first
    assert Handover.objects.count() == 1


def test_a_merged_or_erased_customer_cannot_be_handed_over(desk):
    from followups.merge import customers_merge
    from followups.privacy import customer_erase

    other = CustomerFactory()
    customers_merge(survivor=desk.customer, absorbed=other, values={}, actor=desk.lotte)
    with pytest.raises(ValidationError) as refused:
        hand_over(desk, customer=other)
    assert _error_code(refused) == "merged"

    gone = CustomerFactory()
    customer_erase(customer=gone, actor=desk.mila, reason="AVG-2026-17")
    with pytest.raises(ValidationError) as refused:
        hand_over(desk, customer=gone)
    assert _error_code(refused) == "erased"


# --- Accepting ------------------------------------------------------------------------


def test_accepting_makes_the_accepter_the_holder_of_the_items_they_chose_through_the_reassignment(desk):
    other_checkin = CheckInFactory(origin=desk.checkin.origin, kind="6w", assignee=desk.anna)
    handover = hand_over(desk)

    accepted = handovers.handover_accept(handover=handover, actor=desk.chris, items=[desk.checkin, desk.promise])

    accepted.refresh_from_db()
    assert accepted.status == Handover.Status.ACCEPTED
    assert (accepted.answered_by, accepted.answered_at is not None) == (desk.chris, True)
    assert CheckIn.objects.get(pk=desk.checkin.pk).assignee == desk.chris
    assert Promise.objects.get(pk=desk.promise.pk).owner == desk.chris
    assert CheckIn.objects.get(pk=other_checkin.pk).assignee == desk.anna  # not chosen: left alone
    # the move is the reassignment's: in each item's history, with who did it
    moved = [c for c in followup_history(customer=desk.customer) if c.event == "reassigned"]
    assert {(c.item, c.who, c.previous_holder, c.holder) for c in moved} == {
        ("checkin", desk.chris, "Anna de Vries", desk.chris),
        ("promise", desk.chris, "Anna de Vries", desk.chris),
    }


def test_items_of_another_customer_or_no_longer_open_are_not_taken(desk):
    stranger = PromiseFactory(moment=ContactMomentFactory(logged_by=desk.bram), owner=desk.bram)
    kept = PromiseFactory(moment=desk.checkin.origin, owner=desk.anna, status="kept", kept_at=timezone.now())
    handover = hand_over(desk)

    handovers.handover_accept(handover=handover, actor=desk.chris, items=[stranger, kept])

    assert Promise.objects.get(pk=stranger.pk).owner == desk.bram
    assert Promise.objects.get(pk=kept.pk).owner == desk.anna


def test_accepting_with_nothing_chosen_takes_nothing_but_answers_the_handover(desk):
    handover = handovers.handover_accept(handover=hand_over(desk), actor=desk.dewi)
    assert handover.status == Handover.Status.ACCEPTED
    assert CheckIn.objects.get(pk=desk.checkin.pk).assignee == desk.anna


@pytest.mark.parametrize(
    ("receiver", "may"),
    [
        ("zuid", {"chris", "dewi", "sem", "mila"}),  # a team: its members, its lead, managers
        ("chris", {"chris", "sem", "mila"}),  # a colleague: them, their lead, managers
    ],
)
def test_who_may_accept(desk, receiver, may):
    for name in ("anna", "bram", "chris", "dewi", "lotte", "sem", "mila"):
        handover = hand_over(desk, to=getattr(desk, receiver), customer=CustomerFactory())
        actor = getattr(desk, name)
        if name in may:
            assert handovers.handover_accept(handover=handover, actor=actor).status == Handover.Status.ACCEPTED
        else:
            with pytest.raises(ValidationError) as refused:
                handovers.handover_accept(handover=handover, actor=actor)
            assert _error_code(refused) == "not_yours"
            handover.refresh_from_db()
            assert handover.status == Handover.Status.PENDING


def test_the_second_to_accept_hears_who_was_first(desk):
    handover = hand_over(desk)
    handovers.handover_accept(handover=handover, actor=desk.chris, items=[desk.promise])

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        handovers.handover_accept(handover=handover, actor=desk.dewi, items=[desk.promise])

    assert _error_code(refused) == "accepted"
    assert "Chris Jansen accepted this handover already" in str(refused.value)
    assert Promise.objects.get(pk=desk.promise.pk).owner == desk.chris


def test_accepting_twice_tells_the_accepter_they_did_already(desk):
    handover = hand_over(desk)
    handovers.handover_accept(handover=handover, actor=desk.chris)

    with pytest.raises(ValidationError) as again:
        handovers.handover_accept(handover=handover, actor=desk.chris)

    assert _error_code(again) == "accepted_by_you"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
def test_two_people_accepting_at_once_give_one_winner_and_a_clear_message_to_the_other():
    chris, dewi = UserFactory(username="race-chris"), UserFactory(username="race-dewi")
    anna = UserFactory(username="race-anna")
    team = TeamFactory(name="Race Zuid", members=[chris, dewi])
    customer = CustomerFactory()
    promise = PromiseFactory(moment=ContactMomentFactory(customer=customer, logged_by=anna), owner=anna)
    handover = handovers.handover_create(customer=customer, actor=anna, to=Receiver(team=team), note=NOTE)
    inside, winners, refusals = threading.Event(), [], []

    def accept(actor, *, first):
        try:
            with transaction.atomic():
                if not first:
                    inside.wait(timeout=10)
                handovers.handover_accept(handover=handover, actor=actor, items=[promise])
                winners.append(actor.username)
                if first:
                    inside.set()
                    time.sleep(0.4)  # accepted, not yet committed, while the other clicks
        except ValidationError as error:
            refusals.append(error.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=(chris,), kwargs={"first": True}),
        threading.Thread(target=accept, args=(dewi,), kwargs={"first": False}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert winners == ["race-chris"]
    assert refusals == ["accepted"]
    assert Promise.objects.get(pk=promise.pk).owner == chris
    assert Handover.objects.get(pk=handover.pk).answered_by == chris


# --- Passing on -------------------------------------------------------------------------


def test_a_handover_passed_on_twice_and_accepted(desk):
    # given: Anna hands Fenna over to Team Zuid on Monday 9:00
    first = hand_over(desk, now=at(2026, 11, 23, 9, 0))
    # when: Chris passes it on to Team Noord at 9:30 (refunds are theirs), Bram passes it on to Dewi at 10:00
    # (she has the refund rights), and Dewi accepts at 10:42
    second = handovers.handover_pass_on(
        handover=first,
        actor=desk.chris,
        to=desk.to(desk.noord),
        note="Billing: Noord does refunds",
        now=at(2026, 11, 23, 9, 30),
    )
    third = handovers.handover_pass_on(
        handover=second,
        actor=desk.bram,
        to=desk.to(desk.dewi),
        note="Dewi has the refund rights",
        now=at(2026, 11, 23, 10, 0),
    )
    accepted = handovers.handover_accept(
        handover=third, actor=desk.dewi, items=[desk.promise], now=at(2026, 11, 23, 10, 42)
    )

    # then: one chain of three, each step answered by whom and when
    first.refresh_from_db()
    second.refresh_from_db()
    chain = list(Handover.objects.filter(customer=desk.customer).order_by("created_at"))
    assert [h.pk for h in chain] == [first.pk, second.pk, third.pk]
    assert [h.status for h in chain] == ["passed_on", "passed_on", "accepted"]
    assert [h.answered_by for h in chain] == [desk.chris, desk.bram, desk.dewi]
    assert [h.from_user for h in chain] == [desk.anna, desk.chris, desk.bram]
    assert (second.previous, third.previous) == (first, second)
    assert (second.first_id, third.first_id) == (first.pk, first.pk)
    assert {h.chain_started_at for h in chain} == {at(2026, 11, 23, 9, 0)}  # the customer waits since 9:00
    assert accepted.answered_at == at(2026, 11, 23, 10, 42)
    assert Promise.objects.get(pk=desk.promise.pk).owner == desk.dewi
    # every receiver was told, with the note of their own step
    dewi_notice = Notification.objects.get(recipient=desk.dewi, kind="handover", key=f"handover:{third.pk}")
    assert "Dewi has the refund rights" in dewi_notice.body
    assert Notification.objects.filter(recipient=desk.lotte, kind="handover", key=f"handover:{second.pk}").exists()
    # the customer panel reads it as one chain, oldest step first
    chains = handovers.customer_handover_chains(customer=desk.customer, user=desk.anna, now=timezone.now())
    assert [[step.pk for step in chain] for chain in chains] == [[first.pk, second.pk, third.pk]]


def test_passing_on_to_whom_it_is_with_already_is_refused(desk):
    handover = hand_over(desk)
    with pytest.raises(ValidationError) as refused:
        handovers.handover_pass_on(handover=handover, actor=desk.chris, to=desk.to(desk.zuid), note="again")
    assert _error_code(refused, "to") == "same"


def test_passing_on_needs_a_note_of_its_own(desk):
    handover = hand_over(desk)
    with pytest.raises(ValidationError) as refused:
        handovers.handover_pass_on(handover=handover, actor=desk.chris, to=desk.to(desk.noord), note=" ")
    assert _error_code(refused, "note") == "required"
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING  # nothing happened


def test_an_accepted_handover_cannot_be_passed_on_and_the_reverse(desk):
    handover = hand_over(desk)
    handovers.handover_accept(handover=handover, actor=desk.chris)
    with pytest.raises(ValidationError) as refused:
        handovers.handover_pass_on(handover=handover, actor=desk.dewi, to=desk.to(desk.noord), note="x")
    assert _error_code(refused) == "accepted"

    other = hand_over(desk, customer=CustomerFactory())
    handovers.handover_pass_on(handover=other, actor=desk.chris, to=desk.to(desk.noord), note="Noord")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        handovers.handover_accept(handover=other, actor=desk.dewi)
    assert _error_code(refused) == "passed_on"
    assert "passed this handover on to Team Noord" in str(refused.value)


def test_a_double_click_passes_on_once(desk):
    handover, key = hand_over(desk), uuid.uuid4()
    following = handovers.handover_pass_on(
        handover=handover, actor=desk.chris, to=desk.to(desk.noord), note="Noord", submission_key=key
    )
    with pytest.raises(AlreadySubmitted) as again:
        handovers.handover_pass_on(
            handover=handover, actor=desk.chris, to=desk.to(desk.noord), note="Noord", submission_key=key
        )
    assert again.value.target == following
    assert Handover.objects.count() == 2


# --- Withdrawn with its contact ---------------------------------------------------------------


def test_deleting_the_contact_a_handover_was_made_in_withdraws_it(desk):
    from followups.services import contact_delete

    moment = ContactMomentFactory(customer=desk.customer, logged_by=desk.anna, team=desk.noord)
    handover = hand_over(desk, moment=moment)

    contact_delete(moment=moment, actor=desk.lotte, reason="logged twice")

    handover.refresh_from_db()
    assert (handover.status, handover.answered_by) == (Handover.Status.WITHDRAWN, desk.lotte)
    assert not Handover.objects.filter(HandoverIs.pending()).exists()


def test_the_customer_panel_asks_once_for_a_customer_never_handed_over_and_twice_otherwise(desk):
    from django.test.utils import CaptureQueriesContext

    never = CustomerFactory()
    desk.chris.has_perm("followups.view_all_teams")  # permissions load once per request, as a page has them
    with CaptureQueriesContext(connection) as none:
        assert handovers.customer_handover_chains(customer=never, user=desk.chris, now=timezone.now()) == []
    handover = hand_over(desk)
    with CaptureQueriesContext(connection) as some:
        chains = handovers.customer_handover_chains(customer=desk.customer, user=desk.chris, now=timezone.now())

    assert (len(none), len(some)) == (1, 2)
    assert [[step.pk for step in chain] for chain in chains] == [[handover.pk]]
    assert chains[0][0].may_act  # handed to Zuid: Chris may accept it

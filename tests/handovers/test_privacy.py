"""Handover notes are personal data: the export lists them, erasure removes them; a merge moves handovers."""

import json
import zipfile

import pytest
from django.utils import translation

from contactcare.models import Notification
from followups import handovers
from followups.merge import customers_merge
from followups.models import Handover, HandoverIs
from followups.privacy import customer_erase, customer_export, customer_export_data
from tests.factories import ContactMomentFactory, CustomerFactory

from .conftest import NOTE, hand_over

pytestmark = pytest.mark.django_db


def test_the_export_lists_the_customers_handovers_with_their_notes(desk):
    handover = hand_over(desk)

    data = customer_export_data(customer=desk.customer)
    with translation.override("en"):
        archive = zipfile.ZipFile(customer_export(customer=desk.customer, actor=desk.mila))

    assert [(row["id"], row["note"]) for row in data["handovers"]] == [(handover.pk, NOTE)]
    assert json.loads(archive.read("customer.json"))["handovers"][0]["note"] == NOTE
    page = archive.read("customer.html").decode()
    assert "<h2>Handovers</h2>" in page  # the readable page has a section for them


def test_erasing_removes_the_notes_everywhere_and_withdraws_what_waits(desk):
    accepted = hand_over(desk, note="Mevrouw Bakker wil haar geld terug voor factuur 2207")
    handovers.handover_accept(handover=accepted, actor=desk.chris)
    waiting = hand_over(desk, to=desk.chris, note="Bel Fenna Bakker terug over de verhuizing")
    handovers.handovers_escalate(now=waiting.accept_by.replace(year=waiting.accept_by.year + 1))  # the lead's notice
    other = hand_over(desk, customer=CustomerFactory(full_name="Gijs Mulder"), note="Gijs: a different person")

    customer_erase(customer=desk.customer, actor=desk.mila, reason="AVG-2026-17")

    for handover in Handover.objects.filter(customer=desk.customer):
        assert "Bakker" not in handover.note and "2207" not in handover.note
    waiting.refresh_from_db()
    assert waiting.status == Handover.Status.WITHDRAWN  # nobody is to take an erased person
    assert Handover.objects.get(pk=accepted.pk).status == Handover.Status.ACCEPTED  # as it was counted
    assert not Handover.objects.filter(HandoverIs.pending(), customer=desk.customer).exists()
    about = Notification.objects.filter(
        kind__in=["handover", "handover_waiting"], link=desk.customer.get_absolute_url()
    )
    assert about.count() >= 4
    for notice in about:
        assert "Bakker" not in notice.subject + notice.body and "2207" not in notice.body
    assert Handover.objects.get(pk=other.pk).note == "Gijs: a different person"  # someone else's stays


def test_a_merge_moves_the_handovers_to_the_customer_that_stays(desk):
    twin = CustomerFactory(full_name="F. Bakker")
    moved = hand_over(desk, customer=twin, to=desk.chris)
    survivor_own = hand_over(desk)

    record = customers_merge(survivor=desk.customer, absorbed=twin, values={}, actor=desk.lotte)

    assert record.moved["handovers"] == 1
    assert set(Handover.objects.filter(customer=desk.customer).values_list("pk", flat=True)) == {
        moved.pk,
        survivor_own.pk,
    }
    assert not Handover.objects.filter(customer=twin).exists()
    chains = handovers.customer_handover_chains(customer=desk.customer, user=desk.anna, now=moved.created_at)
    assert len(chains) == 2


def test_a_merge_withdraws_a_second_waiting_handover_to_the_same_receiver(desk):
    twin = CustomerFactory(full_name="F. Bakker")
    theirs = hand_over(desk, customer=twin)  # both wait for Team Zuid
    ours = hand_over(desk)

    customers_merge(survivor=desk.customer, absorbed=twin, values={}, actor=desk.lotte)

    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert (theirs.customer, theirs.status) == (desk.customer, Handover.Status.WITHDRAWN)
    assert ours.status == Handover.Status.PENDING
    assert Handover.objects.filter(HandoverIs.pending(), customer=desk.customer).count() == 1


def test_a_contact_moved_to_another_customer_takes_its_waiting_handover_along(desk):
    from followups.services import contact_correct

    moment = ContactMomentFactory(customer=desk.customer, logged_by=desk.anna, team=desk.noord)
    handover = hand_over(desk, moment=moment)
    right = CustomerFactory()

    contact_correct(moment=moment, actor=desk.lotte, reason="wrong customer", customer=right)

    handover.refresh_from_db()
    assert handover.customer == right

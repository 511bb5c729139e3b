"""A handover nobody accepts reaches the team lead, once: HandoverIs.waiting_too_long and its beat sweep."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from contactcare.models import Notification, SweepRun
from followups import handovers, sweeps
from followups.models import Handover, HandoverIs
from tests.factories import CustomerFactory, TeamFactory, UserFactory

from .conftest import NOTE, at, hand_over

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _waiting_notices():
    return Notification.objects.filter(kind=Notification.Kind.HANDOVER_WAITING)


@pytest.fixture(autouse=True)
def _nine_to_five(settings):
    settings.DESK_OPENING_HOURS = "09:00-17:00"
    settings.HANDOVER_ESCALATE_AFTER_HOURS = 2


def test_a_handover_nobody_accepts_reaches_the_team_lead_once(desk):
    # given: Anna hands Fenna over to Team Zuid on Friday at 16:30; two business hours end Monday at 10:30
    handover = hand_over(desk, now=at(2026, 11, 27, 16, 30))
    assert handover.accept_by == at(2026, 11, 30, 10, 30)

    # when the sweep runs on Monday at 10:30, nothing yet; at 10:31 it waits too long
    assert handovers.handovers_escalate(now=at(2026, 11, 30, 10, 30)) == 0
    assert not Handover.objects.filter(HandoverIs.waiting_too_long(at(2026, 11, 30, 10, 30))).exists()
    with translation.override("en"):
        told = handovers.handovers_escalate(now=at(2026, 11, 30, 10, 31))

    # then: Sem, Team Zuid's lead, is told, with the customer, who handed over and the note
    assert told == 1
    notice = _waiting_notices().get()
    assert (notice.recipient, notice.key) == (desk.sem, f"handover:{handover.pk}")
    assert "Fenna Bakker" in notice.subject
    assert "Anna de Vries" in notice.body and "Team Zuid" in notice.body and NOTE in notice.body
    assert notice.link == desk.customer.get_absolute_url()
    # and only once, however often the sweep runs
    assert handovers.handovers_escalate(now=at(2026, 11, 30, 11, 0)) == 0
    assert handovers.handovers_escalate(now=at(2026, 12, 7, 9, 0)) == 0
    assert _waiting_notices().count() == 1
    handover.refresh_from_db()
    assert handover.status == Handover.Status.PENDING  # still on My day and the team board


def test_a_handover_to_a_colleague_reaches_the_lead_of_their_team(desk):
    handover = hand_over(desk, to=desk.chris, now=at(2026, 11, 24, 9, 0))

    handovers.handovers_escalate(now=at(2026, 11, 24, 11, 1))

    assert list(_waiting_notices().values_list("recipient", "key")) == [(desk.sem.pk, f"handover:{handover.pk}")]


def test_accepted_or_passed_on_in_time_nobody_is_told(desk):
    accepted = hand_over(desk, now=at(2026, 11, 24, 9, 0))
    handovers.handover_accept(handover=accepted, actor=desk.chris, now=at(2026, 11, 24, 10, 0))
    passed = hand_over(desk, customer=CustomerFactory(), now=at(2026, 11, 24, 9, 0))
    following = handovers.handover_pass_on(
        handover=passed, actor=desk.chris, to=desk.to(desk.noord), note="Noord", now=at(2026, 11, 24, 10, 30)
    )

    assert handovers.handovers_escalate(now=at(2026, 11, 24, 12, 0)) == 0  # the new step waits until 12:30

    assert handovers.handovers_escalate(now=at(2026, 11, 24, 12, 31)) == 1  # ...and then Lotte hears of it
    assert list(_waiting_notices().values_list("recipient", "key")) == [(desk.lotte.pk, f"handover:{following.pk}")]


def test_a_team_without_an_active_lead_has_nobody_to_tell(desk):
    lonely = TeamFactory(name="Team Zonder", members=[UserFactory(username="ho-zoe")])
    handover = hand_over(desk, to=lonely, now=at(2026, 11, 24, 9, 0))
    desk.sem.is_active = False
    desk.sem.save()
    hand_over(desk, customer=CustomerFactory(), now=at(2026, 11, 24, 9, 0))

    assert handovers.handovers_escalate(now=at(2026, 11, 25, 9, 0)) == 0

    assert not _waiting_notices().exists()
    assert Handover.objects.filter(HandoverIs.waiting_too_long(at(2026, 11, 25, 9, 0))).count() == 2
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.PENDING


def test_the_sweep_reads_the_same_queries_for_3_and_for_30_waiting(desk, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        hand_over(desk, customer=CustomerFactory(), now=at(2026, 11, 24, 9, 0))
    with CaptureQueriesContext(connection) as few:
        assert handovers.handovers_escalate(now=at(2026, 11, 25, 9, 0)) == 3
    for _ in range(30):
        hand_over(desk, customer=CustomerFactory(), now=at(2026, 11, 24, 9, 0))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert handovers.handovers_escalate(now=at(2026, 11, 25, 9, 0)) == 30
    assert _waiting_notices().count() == 33


def test_the_beat_sweep_records_its_heartbeat_and_the_status_page_names_it(desk, client, settings):
    hand_over(desk, now=timezone.now() - timedelta(days=7))  # a week ago: waits too long whatever today is

    assert sweeps.handovers_waiting_sweep() == 1
    assert sweeps.handovers_waiting_sweep() == 0

    run = SweepRun.objects.get(name=sweeps.HANDOVERS_WAITING)
    assert (run.runs, run.last_result) == (2, 0)
    assert "followups.tasks.handovers_waiting_task" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    client.force_login(desk.mila)
    html = client.get(reverse("followups:status"), headers=EN).content.decode()
    assert "Handovers waiting too long" in html


def test_the_task_is_thin_and_safe_to_run_twice(desk):
    from followups.tasks import handovers_waiting_task

    hand_over(desk, now=timezone.now() - timedelta(days=7))

    assert handovers_waiting_task.apply().get() == 1
    assert handovers_waiting_task.apply().get() == 0


def test_escalated_counts_late_answers_too_for_the_report(desk):
    late = hand_over(desk, now=at(2026, 11, 24, 9, 0))  # may wait until 11:00
    handovers.handover_accept(handover=late, actor=desk.chris, now=at(2026, 11, 24, 11, 30))
    in_time = hand_over(desk, customer=CustomerFactory(), now=at(2026, 11, 24, 9, 0))
    handovers.handover_accept(handover=in_time, actor=desk.chris, now=at(2026, 11, 24, 10, 0))
    waiting = hand_over(desk, customer=CustomerFactory(), note=NOTE, now=at(2026, 11, 24, 9, 0))

    escalated = set(Handover.objects.filter(HandoverIs.escalated(at(2026, 11, 24, 12, 0))).values_list("pk", flat=True))

    assert escalated == {late.pk, waiting.pk}

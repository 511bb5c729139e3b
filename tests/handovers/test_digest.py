"""The morning digest counts the handovers waiting for each person (My day's section) and links to My day."""

from datetime import datetime, time

import pytest
from django.utils import timezone

from contactcare.models import Notification
from followups import handovers
from followups.notifications import digests_create
from tests.factories import CustomerFactory

from .conftest import hand_over

pytestmark = pytest.mark.django_db


def _digests(desk):
    now = timezone.make_aware(datetime.combine(timezone.localdate(), time(8, 0)))
    digests_create(now=now)
    return {n.recipient.username: n for n in Notification.objects.filter(kind="digest").select_related("recipient")}


def test_the_digest_counts_the_handovers_waiting_for_each_person(desk, settings):
    settings.DIGEST_TIME = "07:30"
    hand_over(desk)  # to Team Zuid: Chris, Dewi and Sem
    hand_over(desk, to=desk.chris, customer=CustomerFactory())  # to Chris in person
    done = hand_over(desk, to=desk.dewi, customer=CustomerFactory())
    handovers.handover_accept(handover=done, actor=desk.dewi)  # accepted: no longer waiting

    digests = _digests(desk)

    assert "2 klanten die aan jou of je team zijn overgedragen wachten op aannemen" in digests["ho-chris"].body
    assert "1 klant die aan jou of je team is overgedragen wacht op aannemen" in digests["ho-dewi"].body
    assert "1 klant" in digests["ho-sem"].body
    assert digests["ho-chris"].link == "/my-day/"
    assert "overgedragen" not in digests.get("ho-bram", Notification(body="")).body


def test_the_digest_takes_the_same_queries_for_one_handover_and_for_many(desk, settings, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DIGEST_TIME = "07:30"
    hand_over(desk)
    now = timezone.make_aware(datetime.combine(timezone.localdate(), time(8, 0)))
    with CaptureQueriesContext(connection) as one:
        digests_create(now=now)
    Notification.objects.filter(kind="digest").delete()
    for _ in range(20):
        hand_over(desk, to=desk.chris, customer=CustomerFactory())
    with django_assert_max_num_queries(len(one.captured_queries)):
        digests_create(now=now)

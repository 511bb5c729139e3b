"""Two (or five) identical events at once: a retrying PBX, a load balancer that sends twice."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cti.models import Call
from followups.models import Promise

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel writers need PostgreSQL's row locks (CI runs on PostgreSQL)"
)
EVENT = {"from": "0612345678", "to": "+31201234567", "direction": "in", "callId": "same-call"}


def _post_in_parallel(url: str, data: dict, times: int) -> list[int]:
    barrier = threading.Barrier(times)
    statuses: list[int] = []

    def post():
        try:
            barrier.wait(timeout=10)
            statuses.append(Client().post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


@needs_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("event", ["newCall", "answer"])
def test_the_same_event_five_times_at_once_makes_one_call(token, event):
    statuses = _post_in_parallel(reverse("cti:events", args=[token]), {"event": event, **EVENT}, 5)
    assert statuses == [200] * 5
    assert Call.objects.count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_missed_call_five_times_at_once_makes_one_callback(token):
    data = {"event": "hangup", **EVENT, "cause": "noAnswer"}
    statuses = _post_in_parallel(reverse("cti:events", args=[token]), data, 5)
    assert statuses == [200] * 5
    call = Call.objects.get()
    assert call.state == Call.State.MISSED
    assert Promise.objects.filter(pk=call.callback_id).count() == 1
    assert Promise.objects.count() == 1

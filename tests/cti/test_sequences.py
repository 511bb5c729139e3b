"""Any order of events for a few calls (Hypothesis): every answer is 200 or a 4xx, and every call stays coherent."""

import contextlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cti.models import Call
from cti.services import CallConflict, call_event

pytestmark = pytest.mark.django_db

_event = st.fixed_dictionaries(
    {
        "event": st.sampled_from(["newCall", "answer", "hangup"]),
        "callId": st.sampled_from(["a", "b", "c"]),
        "direction": st.sampled_from(["in", "out", ""]),
        "from": st.sampled_from(["0612345678", "anonymous", "0201234567", ""]),
        "cause": st.sampled_from(["normalClearing", "noAnswer", "busy", "forwarded", ""]),
        "answeringNumber": st.sampled_from(["sanne", "piet", "", "nobody"]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_event, min_size=1, max_size=10))
def test_any_order_of_events_leaves_every_call_coherent(line, events):
    start = timezone.now() - timedelta(hours=1)
    with transaction.atomic():
        for step, data in enumerate(events):
            fields = {k: v for k, v in data.items() if k != "event"}
            with contextlib.suppress(ValidationError, CallConflict):  # a 400 or 409: nothing changed
                call_event(line=line, event=data["event"], data=fields, now=start + timedelta(seconds=step))
        for call in Call.objects.all():
            assert call.ended_at is None or call.ended_at >= call.started_at
            if call.state in (Call.State.RINGING, Call.State.MISSED):
                assert call.answered_at is None
            if call.state == Call.State.ANSWERED:
                assert call.answered_at is not None and call.ended_at is None
            if call.state in (Call.State.MISSED, Call.State.ENDED):
                assert call.ended_at is not None
            if call.state == Call.State.MISSED:
                assert call.direction == Call.Direction.INBOUND
                assert (call.callback_id is not None) == bool(call.caller_number)
        transaction.set_rollback(True)

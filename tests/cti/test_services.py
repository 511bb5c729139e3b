"""call_event: every event and order, replays, contradictions, numbers and people."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cti import services
from cti.models import Call
from cti.services import CallConflict, call_event
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "+31612345678"


def fields(call_id="c1", **extra):
    return {"from": "0612345678", "to": "+31201234567", "direction": "in", "callId": call_id, **extra}


def test_new_call_rings_for_the_named_staff_member_and_recognises_the_customer(line):
    customer = CustomerFactory(phone=NUMBER)

    call = call_event(line=line, event="newCall", data=fields(**{"user[]": ["Sanne Staff"]}))

    assert call.state == Call.State.RINGING
    assert call.team == line.team
    assert call.caller_number == NUMBER
    assert call.customer == customer
    assert call.user.username == "sanne"
    assert [u.username for u in call.ringing_users.all()] == ["sanne"]
    assert not call.is_anonymous


def test_answered_call_ends_with_its_duration(line):
    start = timezone.now() - timedelta(minutes=5)
    call_event(line=line, event="newCall", data=fields(**{"user[]": ["sanne", "piet"]}), now=start)
    call_event(line=line, event="answer", data=fields(answeringNumber="piet"), now=start + timedelta(seconds=10))
    call = call_event(
        line=line, event="hangup", data=fields(cause="normalClearing"), now=start + timedelta(seconds=250)
    )

    assert call.state == Call.State.ENDED
    assert call.user.username == "piet"
    assert call.duration == timedelta(seconds=240)
    assert call.callback is None
    assert set(call.ringing_users.values_list("username", flat=True)) == {"sanne", "piet"}


@pytest.mark.parametrize("cause", ["noAnswer", "cancel", "busy", "normalClearing", "congestion", "notFound"])
def test_an_inbound_call_hung_up_unanswered_is_missed_and_becomes_a_callback(line, cause):
    call_event(line=line, event="newCall", data=fields(**{"user[]": ["sanne"]}))

    call = call_event(line=line, event="hangup", data=fields(cause=cause))

    assert call.state == Call.State.MISSED
    assert call.cause == cause
    assert call.callback is not None
    assert call.callback.team == line.team
    assert call.callback.number == NUMBER
    assert call.callback.owner.username == "sanne"


def test_a_forwarded_call_is_not_missed(line):
    call_event(line=line, event="newCall", data=fields())
    call = call_event(line=line, event="hangup", data=fields(cause="forwarded"))
    assert call.state == Call.State.ENDED
    assert call.callback is None


def test_an_outbound_call_nobody_answered_is_not_a_missed_call(line):
    data = {"from": "+31201234567", "to": "0612345678", "direction": "out", "callId": "o1", "user[]": ["sanne"]}
    call_event(line=line, event="newCall", data=data)
    call = call_event(line=line, event="hangup", data={**data, "cause": "noAnswer"})
    assert call.state == Call.State.ENDED
    assert call.caller_number == NUMBER  # the customer's side of an outbound call is `to`
    assert call.callback is None


def test_two_missed_calls_from_one_number_share_one_callback(line):
    for call_id in ("m1", "m2"):
        call_event(line=line, event="newCall", data=fields(call_id))
        call_event(line=line, event="hangup", data=fields(call_id, cause="noAnswer"))
    first, second = Call.objects.order_by("call_id")
    assert first.callback_id == second.callback_id is not None


def test_a_replayed_event_changes_nothing(line):
    call_event(line=line, event="newCall", data=fields(**{"user[]": ["sanne"]}))
    call_event(line=line, event="hangup", data=fields(cause="noAnswer"))
    before = Call.objects.values().get()

    for event in ("newCall", "hangup", "hangup"):
        call_event(line=line, event=event, data=fields(cause="normalClearing"), now=timezone.now() + timedelta(1))

    assert Call.objects.values().get() == before


def test_answer_before_new_call_is_recorded_and_the_late_new_call_changes_nothing(line):
    call = call_event(line=line, event="answer", data=fields(answeringNumber="sanne"))
    assert call.state == Call.State.ANSWERED
    assert call.answered_at is not None

    call = call_event(line=line, event="newCall", data=fields(**{"user[]": ["piet"]}))
    assert call.state == Call.State.ANSWERED
    assert call.user.username == "sanne"


def test_hangup_without_new_call_is_a_missed_call(line):
    call = call_event(line=line, event="hangup", data=fields(cause="noAnswer"))
    assert call.state == Call.State.MISSED
    assert call.ended_at == call.started_at
    assert call.callback is not None


def test_answer_after_an_unanswered_hangup_is_a_conflict_and_changes_nothing(line):
    call_event(line=line, event="newCall", data=fields())
    call_event(line=line, event="hangup", data=fields(cause="noAnswer"))
    before = Call.objects.values().get()

    with pytest.raises(CallConflict):
        call_event(line=line, event="answer", data=fields(answeringNumber="sanne"))

    assert Call.objects.values().get() == before


def test_another_direction_for_the_same_call_is_a_conflict(line):
    call_event(line=line, event="newCall", data=fields())
    with pytest.raises(CallConflict):
        call_event(line=line, event="answer", data=fields(direction="out"))


def test_answer_after_hangup_of_an_answered_call_is_a_replay(line):
    call_event(line=line, event="newCall", data=fields())
    call_event(line=line, event="answer", data=fields(answeringNumber="sanne"))
    call_event(line=line, event="hangup", data=fields(cause="normalClearing"))
    call = call_event(line=line, event="answer", data=fields(answeringNumber="piet"))
    assert call.state == Call.State.ENDED
    assert call.user.username == "sanne"


@pytest.mark.parametrize("raw", ["anonymous", "", "Anonymous"])
def test_an_anonymous_caller_has_no_number_and_no_callback(line, raw):
    call_event(line=line, event="newCall", data=fields(**{"from": raw}))
    call = call_event(line=line, event="hangup", data=fields(cause="noAnswer", **{"from": raw}))
    assert call.is_anonymous
    assert call.caller_number == ""
    assert call.customer is None
    assert call.state == Call.State.MISSED
    assert call.callback is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("31612345678", NUMBER),  # Zammad's examples: international without the plus
        ("0031612345678", NUMBER),
        ("+31 6 1234 5678", NUMBER),
        ("06-12345678", NUMBER),
        ("42", ""),  # an internal extension: not a number to call back
    ],
)
def test_numbers_are_read_in_every_spelling_a_pbx_sends(raw, expected):
    assert services.number_normalize(raw) == expected


def test_an_unknown_number_has_no_customer_but_gets_a_callback(line):
    call = call_event(line=line, event="hangup", data=fields(cause="noAnswer", **{"from": "0687654321"}))
    assert call.customer is None
    assert call.caller_number == "+31687654321"
    assert call.callback.customer is None
    assert call.callback.number == "+31687654321"


def test_a_number_shared_by_two_customers_recognises_nobody(line):
    CustomerFactory(phone=NUMBER)
    CustomerFactory(phone=NUMBER)
    call = call_event(line=line, event="newCall", data=fields())
    assert call.customer is None
    assert call.caller_number == NUMBER


def test_answering_number_finds_a_staff_phone_or_extension(line):
    piet = line.team.members.get(username="piet")
    services.staff_phone_set(user=piet, number="42", actor=piet)
    call = call_event(line=line, event="answer", data=fields(answeringNumber="42"))
    assert call.user == piet


def test_people_outside_the_team_are_never_named(line):
    UserFactory(username="outsider", first_name="Olga", last_name="Out")
    call = call_event(line=line, event="newCall", data=fields(**{"user[]": ["outsider", "Olga Out"]}))
    assert call.user is None
    assert not call.ringing_users.exists()


def test_the_same_call_id_on_another_line_is_another_call(line):
    from tests.factories import TeamFactory

    other, _token = services.line_token_rotate(team=TeamFactory(), actor=None)
    call_event(line=line, event="newCall", data=fields())
    call_event(line=other, event="newCall", data=fields())
    assert Call.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"callId": ""}, "callId"),
        ({"callId": "x" * 251}, "callId"),
        ({"callId": "a b"}, "callId"),
        ({"direction": "sideways"}, "direction"),
        ({"direction": ""}, "direction"),
        ({"from": "٠٦١٢٣٤٥٦٧٨"}, "from"),  # Arabic-Indic digits
        ({"from": "06\x0012345678"}, "from"),
        ({"to": "1" * 5000}, "to"),
        ({"cause": "no answer!"}, "cause"),
        ({"user[]": ["x" * 151]}, "user[]"),
        ({"user[]": [{"name": "sanne"}]}, "user[]"),
        ({"callId": {"id": 1}}, "callId"),
        ({"answeringNumber": "x" * 101}, "answeringNumber"),
    ],
)
def test_bad_fields_are_refused_and_change_nothing(line, data, field):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        call_event(line=line, event="newCall", data={**fields(), **data})
    assert field in refused.value.message_dict
    assert not Call.objects.exists()


def test_an_unknown_event_is_refused(line):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        call_event(line=line, event="transfer", data=fields())
    assert "Unknown event" in refused.value.message_dict["event"][0]


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    yield get_channel_layer()
    channel_layers.backends.pop("default", None)


def test_a_new_call_pops_the_card_for_the_people_it_rings(line, in_memory_layer, django_capture_on_commit_callbacks):
    sanne = line.team.members.get(username="sanne")
    async_to_sync(in_memory_layer.group_add)(f"user.{sanne.pk}", "sannes-tab")

    with django_capture_on_commit_callbacks(execute=True):
        call = call_event(line=line, event="newCall", data=fields(**{"user[]": ["sanne"]}))
    with django_capture_on_commit_callbacks(execute=True):
        call_event(line=line, event="newCall", data=fields(**{"user[]": ["sanne"]}))  # a replay pops nothing

    assert async_to_sync(in_memory_layer.receive)("sannes-tab") == {"type": "call.pop", "call": call.pk}
    leftover = in_memory_layer.channels.get("sannes-tab")
    assert leftover is None or leftover.empty()  # one pop, not two


def test_a_hangup_we_hear_of_first_pops_nothing(line, in_memory_layer, django_capture_on_commit_callbacks):
    sanne = line.team.members.get(username="sanne")
    async_to_sync(in_memory_layer.group_add)(f"user.{sanne.pk}", "sannes-tab")

    with django_capture_on_commit_callbacks(execute=True):
        call_event(line=line, event="hangup", data=fields(cause="noAnswer", **{"user[]": ["sanne"]}))

    leftover = in_memory_layer.channels.get("sannes-tab")
    assert leftover is None or leftover.empty()


def test_a_stopped_redis_never_fails_the_event(line, settings, django_capture_on_commit_callbacks):
    from channels.layers import channel_layers

    # Nothing listens on port 1: the channel layer cannot connect, as when Redis is stopped.
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    channel_layers.backends.pop("default", None)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            call = call_event(line=line, event="newCall", data=fields(**{"user[]": ["sanne"]}))
    finally:
        channel_layers.backends.pop("default", None)
    assert Call.objects.filter(pk=call.pk, state=Call.State.RINGING).exists()


def test_a_staff_phone_is_stored_normalised_and_rings_one_person(line):
    sanne, piet = (line.team.members.get(username=name) for name in ("sanne", "piet"))
    phone = services.staff_phone_set(user=sanne, number="020-1234567", actor=sanne)
    assert phone.number == "+31201234567"

    with translation.override("en"), pytest.raises(ValidationError, match="already rings"):
        services.staff_phone_set(user=piet, number="+31 20 123 4567", actor=piet)
    with translation.override("en"), pytest.raises(ValidationError, match="extension"):
        services.staff_phone_set(user=piet, number="abc", actor=piet)

    moved = services.staff_phone_set(user=piet, number="43", actor=piet, phone=phone)
    assert (moved.pk, moved.number, moved.user) == (phone.pk, "43", piet)


def test_the_staff_phone_admin_saves_through_the_service(admin_client, line):
    from django.urls import reverse

    sanne = line.team.members.get(username="sanne")
    response = admin_client.post(reverse("admin:cti_staffphone_add"), {"user": sanne.pk, "number": "06 12345678"})
    assert response.status_code == 302
    assert services.StaffPhone.objects.get().number == "+31612345678"

"""The endpoint as a telephone system sees it: form-encoded and JSON, tokens, sizes, hostile fields."""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cti import services
from cti.models import Call

pytestmark = pytest.mark.django_db


def url(token):
    return reverse("cti:events", args=[token])


def post_form(client, token, **data):
    return client.post(url(token), data)


def post_json(client, token, data, **extra):
    return client.post(url(token), json.dumps(data), content_type="application/json", **extra)


EVENT = {"from": "0612345678", "to": "+31201234567", "direction": "in", "callId": "abc-1"}


def test_form_encoded_events_as_zammad_connectors_send_them(client, token):
    # given: what `curl -X POST --data "event=newCall&from=…&user[]=…"` sends
    response = post_form(client, token, event="newCall", **EVENT, **{"user[]": ["Sanne Staff", "piet"]})
    assert response.status_code == 200
    assert response.json() == {}
    assert post_form(client, token, event="answer", **EVENT, answeringNumber="piet").status_code == 200
    assert post_form(client, token, event="hangup", **EVENT, cause="normalClearing").status_code == 200

    call = Call.objects.get()
    assert call.state == Call.State.ENDED
    assert call.user.username == "piet"
    assert set(call.ringing_users.values_list("username", flat=True)) == {"sanne", "piet"}


def test_json_events(client, token):
    assert post_json(client, token, {"event": "newCall", **EVENT, "user[]": ["sanne"]}).status_code == 200
    assert post_json(client, token, {"event": "hangup", **EVENT, "cause": "noAnswer"}).status_code == 200
    call = Call.objects.get()
    assert call.state == Call.State.MISSED
    assert call.callback is not None


def test_json_sent_without_its_content_type_is_read_too(client, token):
    body = json.dumps({"event": "newCall", **EVENT})
    assert client.post(url(token), body, content_type="text/plain").status_code == 200
    assert Call.objects.get().call_id == EVENT["callId"]


def test_a_json_call_id_may_be_a_number(client, token):
    assert post_json(client, token, {"event": "newCall", **EVENT, "callId": 123456789}).status_code == 200
    assert Call.objects.get().call_id == "123456789"


def test_a_replay_answers_200_and_changes_nothing(client, token):
    for _ in range(3):
        assert post_form(client, token, event="newCall", **EVENT).status_code == 200
    assert Call.objects.count() == 1


def test_an_unknown_token_is_404(client, token):
    assert post_form(client, "not-the-token", event="newCall", **EVENT).status_code == 404
    assert post_form(client, token + "x", event="newCall", **EVENT).status_code == 404
    assert not Call.objects.exists()


def test_a_rotated_token_stops_at_once(client, line, token, manager_user):
    _line, new_token = services.line_token_rotate(team=line.team, actor=manager_user)

    assert post_form(client, token, event="newCall", **EVENT).status_code == 404
    assert post_form(client, new_token, event="newCall", **EVENT).status_code == 200


def test_the_token_is_stored_only_as_a_hash(line, token):
    line.refresh_from_db()
    assert token not in (line.token_hash, line.token_hint)
    assert line.token_hint == token[-4:]
    assert services.line_for_token(token) == line


def test_bad_events_are_400_with_a_json_error(client, token):
    response = post_form(client, token, event="newCall", **{**EVENT, "callId": ""})
    assert response.status_code == 400
    assert "callId" in response.json()["fields"]
    assert post_form(client, token, event="dance", **EVENT).status_code == 400
    assert post_form(client, token, event="newCall", **{**EVENT, "direction": "up"}).status_code == 400
    assert post_json(client, token, ["newCall"]).status_code == 400
    assert client.post(url(token), "{not json", content_type="application/json").status_code == 400
    assert not Call.objects.exists()


def test_a_contradicting_event_is_409(client, token):
    post_form(client, token, event="hangup", **EVENT, cause="noAnswer")
    response = post_form(client, token, event="answer", **EVENT)
    assert response.status_code == 409
    assert "error" in response.json()
    assert Call.objects.get().state == Call.State.MISSED


def test_a_large_body_is_413(client, token, settings):
    settings.CTI_MAX_BODY_BYTES = 1000
    response = post_json(client, token, {"event": "newCall", **EVENT, "queue": "x" * 2000})
    assert response.status_code == 413
    assert not Call.objects.exists()


def test_get_is_not_allowed_and_no_login_is_asked(client, token):
    assert client.get(url(token)).status_code == 405


def test_a_nul_byte_is_400(client, token):
    assert post_form(client, token, event="newCall", **{**EVENT, "callId": "a\x00b"}).status_code == 400


_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="0123456789+ ", max_size=30),
    st.sampled_from(["", "anonymous", "0612345678", "٠٦١٢", "x" * 5000, "in", "out", "newCall", "hangup"]),
)
_field_value = st.one_of(_text, st.integers(), st.none(), st.booleans(), st.lists(_text, max_size=3))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=st.sampled_from(["newCall", "answer", "hangup", "", "other"]),
    data=st.dictionaries(
        st.sampled_from(["from", "to", "direction", "callId", "user[]", "answeringNumber", "cause", "queue", "x"]),
        _field_value,
        max_size=8,
    ),
    as_json=st.booleans(),
)
def test_hostile_fields_never_make_a_500(client, token, event, data, as_json):
    payload = {"event": event, **data}
    if as_json:
        response = post_json(client, token, payload)
    else:
        form = {k: v for k, v in payload.items() if v is not None and not isinstance(v, bool)}
        try:
            response = client.post(url(token), form)
        except (TypeError, ValueError):
            return  # the test client cannot encode it; a PBX could not send it either
    assert response.status_code in {200, 400, 404, 409, 413}
    assert response["Content-Type"].startswith("application/json") or response.status_code == 400


def test_the_token_never_reaches_a_log():
    from contactcare.logs import redact

    line = 'POST /calls/events/Hq3-abc_DEF123/ HTTP/1.1" 200'
    assert redact(line) == 'POST /calls/events/[token]/ HTTP/1.1" 200'

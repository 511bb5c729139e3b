"""`manage.py cti_simulate` against a running server: the calls a telephone system would make."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cti import services
from cti.models import Call
from tests.factories import CustomerFactory


def simulate(*args):
    out = StringIO()
    call_command("cti_simulate", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("as_form", [False, True])
def test_an_answered_call_over_http(live_server, desk, manager_user, as_form):
    customer = CustomerFactory(phone="+31612345678")
    _line, token = services.line_token_rotate(team=desk, actor=manager_user)

    out = simulate(
        "--team", desk.name, "--scenario", "answered", "--from", "0612345678", "--user", "sanne",
        "--url", live_server.url, f"--token={token}", "--ring", "0.2", "--talk", "0.5",
        *(["--form"] if as_form else []),
    )  # fmt: skip

    assert out.splitlines() == ["newCall: 200", "answer: 200", "hangup: 200"]
    call = Call.objects.get()
    assert (call.state, call.customer, call.user.username) == (Call.State.ENDED, customer, "sanne")
    assert call.duration >= timedelta(seconds=0.4)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("scenario", "state", "callback"),
    [("missed", "missed", True), ("busy", "missed", True), ("anonymous", "missed", False), ("unknown", "ended", False)],
)
def test_each_scenario_over_http(live_server, desk, manager_user, scenario, state, callback):
    CustomerFactory(phone="+31612345678")
    _line, token = services.line_token_rotate(team=desk, actor=manager_user)

    simulate(
        "--team", str(desk.pk), "--scenario", scenario, "--url", live_server.url, f"--token={token}",
        "--ring", "0", "--talk", "0",
    )  # fmt: skip

    call = Call.objects.get()
    assert call.state == state
    assert (call.callback_id is not None) == callback
    assert call.is_anonymous == (scenario == "anonymous")
    if scenario == "unknown":
        assert call.customer is None and call.caller_number.startswith("+316")


@pytest.mark.django_db(transaction=True)
def test_a_wrong_token_is_reported(live_server, desk, manager_user):
    services.line_token_rotate(team=desk, actor=manager_user)
    with pytest.raises(CommandError, match="refused"):
        simulate("--team", desk.name, "--url", live_server.url, "--token", "wrong", "--ring", "0", "--talk", "0")
    with pytest.raises(CommandError, match="--token"):
        simulate("--team", desk.name, "--url", live_server.url)
    assert not Call.objects.exists()


@pytest.mark.django_db
def test_direct_needs_no_server(desk):
    out = simulate("--team", desk.name, "--scenario", "missed", "--direct", "--ring", "0", "--talk", "0")
    assert out.splitlines() == ["newCall: 200", "hangup: 200"]
    assert Call.objects.get().state == Call.State.MISSED


@pytest.mark.django_db
def test_an_unknown_team_or_person_is_an_error(desk):
    with pytest.raises(CommandError, match="No team"):
        simulate("--team", "Nope", "--direct")
    with pytest.raises(CommandError, match="No active member"):
        simulate("--team", desk.name, "--user", "nobody", "--direct")


def test_a_token_never_starts_with_a_dash(desk, manager_user):
    """A token is pasted after --token on a command line: one starting with "-" would read as an option."""
    tokens = [services.line_token_rotate(team=desk, actor=manager_user)[1] for _ in range(200)]

    assert not any(token.startswith("-") for token in tokens)
    assert len(set(tokens)) == 200

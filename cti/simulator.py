"""A pretend telephone system: the event sequences a PBX sends for a call, sent over HTTP or straight to the service.

Used by `manage.py cti_simulate` and the managers' "Simulate a call" page, so the feature can be shown and
tested without a PBX. The sequences are what a Zammad-compatible connector sends:

- answered:  newCall → answer → hangup (normalClearing)
- missed:    newCall → hangup (noAnswer)
- busy:      newCall → hangup (busy)
- anonymous: newCall → hangup (noAnswer), from "anonymous"
- unknown:   newCall → answer → hangup, from a number no customer has
- ringing:   newCall only (the call keeps ringing: for a screen-pop demo)
"""

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Customer, Team

from . import services
from .models import Call, CtiLine

SCENARIOS = {
    "answered": _("Answered"),
    "missed": _("Missed (no answer)"),
    "busy": _("Missed (busy)"),
    "anonymous": _("Anonymous caller"),
    "unknown": _("Unknown number"),
    "ringing": _("Ringing (stays ringing)"),
}


@dataclass(frozen=True)
class Step:
    event: str
    data: dict
    after: float  # seconds after the call started


def desk_number() -> str:
    return settings.CTI_SIMULATOR_DESK_NUMBER


def person_for(team: Team, username: str | None = None):
    """The staff member the call rings for: `username` in the team, else a random team member (or None)."""
    people = get_user_model().objects.filter(Q(teams=team) | Q(led_teams=team), is_active=True).distinct()
    if username:
        return people.filter(username=username).first()
    return people.order_by("?").first()


def caller_number(team: Team, scenario: str) -> str:
    """A realistic caller: a customer the team spoke to (or any with a phone); a free number for `unknown`."""
    if scenario == "anonymous":
        return "anonymous"
    if scenario != "unknown":
        known = Customer.objects.filter(merged_into__isnull=True).exclude(phone="")
        customer = known.filter(last_contact_team=team).order_by("?").first() or known.order_by("?").first()
        if customer:
            return customer.phone
    while True:  # a Dutch mobile number nobody has
        number = f"+3161{random.randrange(10**7):07d}"  # noqa: S311 - a pretend caller, not a secret
        if not Customer.objects.filter(phone=number).exists():
            return number


def steps(
    *, scenario: str, from_number: str, person, ring: float = 3.0, talk: float = 20.0, call_id: str = ""
) -> list[Step]:
    """The events of one simulated call, with when each is sent."""
    if scenario not in SCENARIOS:
        raise ValueError(scenario)
    users = [person.get_full_name() or person.username] if person is not None else []
    base = {"from": from_number, "to": desk_number(), "direction": "in", "callId": call_id or uuid.uuid4().hex}
    new_call = Step("newCall", {**base, "user[]": users}, 0)
    if scenario == "ringing":
        return [new_call]
    if scenario in ("missed", "busy", "anonymous"):
        cause = "busy" if scenario == "busy" else "noAnswer"
        return [new_call, Step("hangup", {**base, "cause": cause}, ring)]
    answering = {"answeringNumber": person.username} if person is not None else {}
    return [
        new_call,
        Step("answer", {**base, "user[]": users, **answering}, ring),
        Step("hangup", {**base, "cause": "normalClearing", **answering}, ring + talk),
    ]


def send_http(url: str, *, as_form: bool = False, timeout: float = 10.0) -> Callable[[Step], int]:
    """A sender that POSTs each step to the endpoint `url` (JSON, or form-encoded); returns the HTTP status."""

    def send(step: Step) -> int:
        payload = {"event": step.event, **step.data}
        if as_form:
            pairs = [(k, v) for k, vs in payload.items() for v in (vs if isinstance(vs, list) else [vs])]
            body, kind = urllib.parse.urlencode(pairs).encode(), "application/x-www-form-urlencoded"
        else:
            body, kind = json.dumps(payload).encode(), "application/json"
        request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": kind})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own endpoint
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    return send


def run(sequence: list[Step], send: Callable[[Step], int], *, sleep: Callable[[float], None] = time.sleep) -> list:
    """Send each step at its time (sleeping in between); the senders' answers, in order."""
    answers, elapsed = [], 0.0
    for step in sequence:
        if step.after > elapsed:
            sleep(step.after - elapsed)
            elapsed = step.after
        answers.append(send(step))
    return answers


def run_direct(*, line: CtiLine, sequence: list[Step], actor=None, backdate: bool = True) -> Call | None:
    """Feed the steps to the service at once, each stamped with its own time (ending now when `backdate`).

    The page's way: no waiting in a request, yet the caller log shows a realistic ring and talk time.
    """
    now = timezone.now()
    start = now - timedelta(seconds=sequence[-1].after) if backdate else now
    call = None
    for step in sequence:
        call = services.call_event(
            line=line, event=step.event, data=step.data, now=start + timedelta(seconds=step.after), actor=actor
        )
    return call

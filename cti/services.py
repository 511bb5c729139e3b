"""Every write about calls: the telephone system's events, the line's token, linking a logged contact, erasure.

The endpoint speaks Zammad's generic CTI push interface: events `newCall`, `answer` and `hangup` with
`from`, `to`, `direction`, `callId`, `user[]`, `answeringNumber`, `cause`. `call_event` reads one event:

- events are idempotent per `callId` (unique per line): a replay changes nothing;
- out of order is fine: an `answer` or `hangup` for a call we never heard ring creates it in that state;
- an event that contradicts what happened (an `answer` after the call was hung up unanswered, another
  direction than the call has) raises `CallConflict` (the endpoint's 409) and changes nothing;
- a field that is not what the interface says raises ValidationError (the endpoint's 400), nothing changed.

A call is *missed* when it came in and was hung up before anybody answered (any cause but `forwarded`):
that hands the number to the callback service (`followups.services.callback_for_missed_call`).
"""

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcare.services import system_user
from contacts.models import ContactMoment, Customer, Team
from contacts.normalize import phone_normalize

from .models import Call, CtiLine, StaffPhone

logger = logging.getLogger(__name__)

EVENTS = ("newCall", "answer", "hangup")
FORWARDED = "forwarded"
ANONYMOUS = frozenset({"", "anonymous", "unknown", "restricted", "private", "withheld", "unavailable"})
CALL_ID_MAX = 250
NUMBER_MAX = 100
USER_MAX = 150
USERS_MAX = 50
CAUSE_MAX = 30
# Visible ASCII only: a callId is the PBX's identifier, not text.
_CALL_ID = re.compile(r"[\x21-\x7e]+")
# What a PBX puts in a number field: ASCII digits and dialling characters, or a word such as "anonymous".
_NUMBER = re.compile(r"[0-9A-Za-z+*#()./ _-]*")
_CAUSE = re.compile(r"[A-Za-z_]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CallConflict(Exception):
    """The event contradicts what already happened to the call (the endpoint answers 409)."""


# --- Reading an event -------------------------------------------------------------


@dataclass(frozen=True)
class CallEvent:
    event: str
    call_id: str
    direction: str  # "" when the event did not say
    from_number: str = ""
    to_number: str = ""
    users: tuple[str, ...] = field(default_factory=tuple)
    answering_number: str = ""
    cause: str = ""


def _text(data: dict, key: str, *, limit: int, errors: dict, pattern: re.Pattern | None = None) -> str:
    value = data.get(key, "")
    if isinstance(value, list):  # a form field sent twice: the last one, as Django's QueryDict does
        value = value[-1] if value else ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors[key] = _("Send %(field)s as text.") % {"field": key}
        return ""
    value = str(value).strip()
    if len(value) > limit:
        errors[key] = _("%(field)s is %(length)d characters long; at most %(limit)d are allowed.") % {
            "field": key,
            "length": len(value),
            "limit": limit,
        }
    elif _CONTROL.search(value) or (pattern is not None and not pattern.fullmatch(value)):
        errors[key] = _("%(field)s holds characters it cannot have.") % {"field": key}
    return value


def _users(data: dict, errors: dict) -> tuple[str, ...]:
    raw = data.get("user[]", data.get("user", []))
    values = raw if isinstance(raw, list) else [raw]
    if len(values) > USERS_MAX:
        errors["user[]"] = _("At most %(limit)d users can be named.") % {"limit": USERS_MAX}
        return ()
    users = []
    for value in values:
        if not isinstance(value, str) or len(value) > USER_MAX or _CONTROL.search(value):
            errors["user[]"] = _("Each user[] is a name or user name of at most %(limit)d characters.") % {
                "limit": USER_MAX
            }
            return ()
        if value.strip():
            users.append(value.strip())
    return tuple(users)


def call_event_parse(data: dict) -> CallEvent:
    """The event's fields, checked against the interface; a ValidationError naming every bad field."""
    errors: dict[str, str] = {}
    event = _text(data, "event", limit=20, errors=errors)
    if event not in EVENTS and "event" not in errors:
        errors["event"] = _("Unknown event; send newCall, answer or hangup.")
    call_id = _text(data, "callId", limit=CALL_ID_MAX, errors=errors, pattern=_CALL_ID)
    if not call_id and "callId" not in errors:
        errors["callId"] = _("Send the call's callId.")
    direction = _text(data, "direction", limit=3, errors=errors)
    if direction not in ("", *Call.Direction.values) and "direction" not in errors:
        errors["direction"] = _("direction is in or out.")
    if event == "newCall" and not direction and "direction" not in errors:
        errors["direction"] = _("A newCall says its direction: in or out.")
    parsed = CallEvent(
        event=event,
        call_id=call_id,
        direction=direction,
        from_number=_text(data, "from", limit=NUMBER_MAX, errors=errors, pattern=_NUMBER),
        to_number=_text(data, "to", limit=NUMBER_MAX, errors=errors, pattern=_NUMBER),
        users=_users(data, errors),
        answering_number=_text(data, "answeringNumber", limit=NUMBER_MAX, errors=errors),
        cause=_text(data, "cause", limit=CAUSE_MAX, errors=errors, pattern=_CAUSE),
    )
    _text(data, "queue", limit=NUMBER_MAX, errors=errors)  # optional and unused, but bounded like the rest
    if errors:
        raise ValidationError(errors, code="invalid_event")
    return parsed


def number_normalize(raw: str) -> str:
    """A number as a PBX sends it (`0612345678`, `+31…`, `0031…`, Zammad's `31612345678`) in E.164, or ""."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    normalised = phone_normalize(raw)
    if normalised is None and raw.isascii() and raw.isdigit() and not raw.startswith("0"):
        normalised = phone_normalize(f"+{raw}")  # international without the plus, as Zammad's examples
    return normalised or ""


def extension_normalize(raw: str) -> str:
    """How a staff member's number or extension is stored and looked up: E.164, else its digits."""
    raw = (raw or "").strip()
    return number_normalize(raw) or "".join(c for c in raw if c.isascii() and c.isdigit())


# --- Who, and which customer ------------------------------------------------------


def _team_people(team: Team):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(Q(teams=team) | Q(led_teams=team), is_active=True).distinct()


def _people_named(team: Team, names: tuple[str, ...]) -> list:
    """Team members named in `user[]`: by user name, else by full name (ignored when two share it)."""
    if not names:
        return []
    people = list(_team_people(team))
    found = []
    for name in names:
        wanted = " ".join(name.split()).casefold()
        by_username = [p for p in people if p.username.casefold() == wanted]
        by_name = [p for p in people if " ".join(p.get_full_name().split()).casefold() == wanted]
        match = by_username or (by_name if len(by_name) == 1 else [])
        for person in match:
            if person not in found:
                found.append(person)
    return found


def _person_answering(team: Team, answering_number: str):
    """`answeringNumber`: a staff phone or extension of a team member, else their user name or e-mail."""
    if not answering_number:
        return None
    people = _team_people(team)
    number = extension_normalize(answering_number)
    if number:
        phone = StaffPhone.objects.filter(number=number, user__in=people).select_related("user").first()
        if phone:
            return phone.user
    return people.filter(Q(username__iexact=answering_number) | Q(email__iexact=answering_number)).first()


def customer_for_number(number: str) -> Customer | None:
    """The one customer with this number (None when nobody or several have it)."""
    if not number:
        return None
    found = list(Customer.objects.filter(phone=number, merged_into__isnull=True)[:2])
    return found[0] if len(found) == 1 else None


# --- The line's token -------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def line_for_token(token: str) -> CtiLine | None:
    """The line whose token this is (None for an unknown or rotated token)."""
    if not token or len(token) > 200:
        return None
    wanted = token_hash(token)
    line = CtiLine.objects.select_related("team").filter(token_hash=wanted).first()
    return line if line is not None and hmac.compare_digest(line.token_hash, wanted) else None


@transaction.atomic
def line_token_rotate(*, team: Team, actor, now: datetime | None = None) -> tuple[CtiLine, str]:
    """Give `team`'s telephone system a new secret token (the old one stops working at once).

    Returns the line and the token: shown once, never stored.
    """
    now = now or timezone.now()
    Team.objects.select_for_update().filter(pk=team.pk).first()  # two managers at once: one after the other
    token = secrets.token_urlsafe(32)
    while token.startswith("-"):  # pasted after --token on a command line, it would read as an option
        token = secrets.token_urlsafe(32)
    line = CtiLine.objects.filter(team=team).first() or CtiLine(team=team)
    line.token_hash = token_hash(token)
    line.token_hint = token[-4:]
    line.rotated_at = now
    line.rotated_by = actor
    line.save()
    logger.info("cti token rotated", extra={"team_id": team.pk, "actor_id": getattr(actor, "pk", None)})
    return line, token


@transaction.atomic
def staff_phone_set(*, user, number: str, actor, phone: StaffPhone | None = None) -> StaffPhone:
    """Record that `number` (a phone number or extension) rings `user` (changing `phone` when given)."""
    normalised = extension_normalize(number)
    if not normalised:
        raise ValidationError({"number": _("Type a phone number or an extension (digits).")}, code="invalid")
    if len(normalised) > StaffPhone._meta.get_field("number").max_length:
        raise ValidationError({"number": _("This number is too long.")}, code="too_long")
    taken = StaffPhone.objects.filter(number=normalised).exclude(pk=getattr(phone, "pk", None))
    if taken.exists():
        raise ValidationError({"number": _("This number already rings someone else.")}, code="taken")
    phone = phone if phone is not None and phone.pk else StaffPhone()
    phone.user, phone.number = user, normalised
    try:
        with transaction.atomic():
            phone.save()
    except IntegrityError as error:  # the same number given at the same moment
        raise ValidationError({"number": _("This number already rings someone else.")}, code="taken") from error
    logger.info("cti staff phone set", extra={"user_id": user.pk, "actor_id": getattr(actor, "pk", None)})
    return phone


# --- The events -------------------------------------------------------------------


def _customer_side(event: CallEvent, direction: str) -> tuple[str, bool]:
    """(E.164 number of the customer, anonymous?) for the call's direction."""
    raw = event.from_number if direction == Call.Direction.INBOUND else event.to_number
    if raw.strip().casefold() in ANONYMOUS:
        return "", direction == Call.Direction.INBOUND
    return number_normalize(raw), False


def _call_locked(line: CtiLine, call_id: str) -> Call | None:
    return Call.objects.select_for_update().filter(line=line, call_id=call_id).first()


def _call_new(*, line: CtiLine, event: CallEvent, now: datetime) -> tuple[Call, bool]:
    """The call of `event`, locked; created (ringing, as of `now`) when it is the first we hear of it."""
    call = _call_locked(line, event.call_id)
    if call is not None:
        return call, False
    if not event.direction:
        raise ValidationError({"direction": _("Say the call's direction (in or out).")}, code="invalid_event")
    number, anonymous = _customer_side(event, event.direction)
    call = Call(
        line=line,
        team=line.team,
        call_id=event.call_id,
        direction=event.direction,
        from_number=event.from_number,
        to_number=event.to_number,
        caller_number=number,
        is_anonymous=anonymous,
        customer=customer_for_number(number),
        state=Call.State.RINGING,
        started_at=now,
    )
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        # The same event at the same moment from a retrying PBX: the other one created it.
        call = _call_locked(line, event.call_id)
        if call is None:
            raise
        return call, False
    return call, True


def _screen_pop(user_ids: list[int], call_pk: int) -> None:
    """Tell the browsers of the people it rings for. Never fails the event (Redis may be down)."""
    try:
        from contactcare.push import screen_pop
    except ImportError:
        return
    try:
        screen_pop(user_ids=user_ids, call_pk=call_pk)
    except Exception:  # a push that fails must not lose the call
        logger.warning("cti screen-pop failed", extra={"call_id": call_pk}, exc_info=True)


def _callback(call: Call, *, now: datetime, actor) -> None:
    """Hand a missed call to the callback service (a promise "call back" for the team)."""
    if call.is_anonymous or not call.caller_number:
        return  # nobody to call back
    try:
        from followups.services import callback_for_missed_call
    except ImportError:
        return
    try:
        with transaction.atomic():
            call.callback = callback_for_missed_call(
                team=call.team,
                number=call.caller_number,
                customer=call.customer,
                person=call.user,
                missed_at=now,
                actor=actor,
            )
    except ValidationError:
        logger.warning("cti callback not made", extra={"call_id": call.pk}, exc_info=True)


def _on_new_call(call: Call, created: bool, event: CallEvent, *, pop: bool = True) -> list:
    ringing = _people_named(call.team, event.users)
    if created:
        if ringing:
            call.ringing_users.set(ringing)
        if len(ringing) == 1:
            call.user = ringing[0]
            call.save(update_fields=["user"])
        if pop and call.direction == Call.Direction.INBOUND and ringing:
            user_ids, pk = [p.pk for p in ringing], call.pk
            transaction.on_commit(lambda: _screen_pop(user_ids, pk))
        return ringing
    # A replay, or the newCall after an answer/hangup that overtook it: fill in only what is still unknown.
    if ringing and not call.ringing_users.exists():
        call.ringing_users.set(ringing)
    return ringing


def _on_answer(call: Call, created: bool, event: CallEvent, now: datetime) -> None:
    if call.state == Call.State.MISSED:
        raise CallConflict(_("This call was hung up before anybody answered it."))
    if call.state != Call.State.RINGING:
        return  # answered already (a replay): nothing changes
    person = _person_answering(call.team, event.answering_number)
    if person is None:
        named = _people_named(call.team, event.users)
        person = named[0] if len(named) == 1 else call.user
    call.state = Call.State.ANSWERED
    call.answered_at = now
    call.user = person
    call.save(update_fields=["state", "answered_at", "user"])
    if created and person is not None:
        call.ringing_users.add(person)


def _on_hangup(call: Call, event: CallEvent, now: datetime, actor) -> None:
    if call.state in (Call.State.MISSED, Call.State.ENDED):
        return  # hung up already (a replay): nothing changes
    if call.state == Call.State.RINGING and call.user is None:
        person = _person_answering(call.team, event.answering_number)
        named = _people_named(call.team, event.users)
        call.user = person or (named[0] if len(named) == 1 else None)
    missed = (
        call.state == Call.State.RINGING
        and call.direction == Call.Direction.INBOUND
        and event.cause.casefold() != FORWARDED.casefold()
    )
    call.state = Call.State.MISSED if missed else Call.State.ENDED
    call.ended_at = max(now, call.started_at)
    call.cause = event.cause
    if missed:
        _callback(call, now=now, actor=actor)
    call.save(update_fields=["state", "ended_at", "cause", "user", "callback"])


@transaction.atomic
def call_event(*, line: CtiLine, event: str, data: dict, now: datetime | None = None, actor=None) -> Call:
    """Read one event of the telephone system (`data`: the fields as sent) into its call.

    Raises ValidationError for a malformed event and CallConflict for one that contradicts the call;
    either way nothing changed.
    """
    now = now or timezone.now()
    actor = actor or system_user()
    parsed = call_event_parse({**data, "event": event})
    call, created = _call_new(line=line, event=parsed, now=now)
    if parsed.direction and parsed.direction != call.direction:
        raise CallConflict(_("This call has the other direction."))
    if parsed.event == "newCall":
        _on_new_call(call, created, parsed)
    elif parsed.event == "answer":
        if created:
            _on_new_call(call, created, parsed)
        _on_answer(call, created, parsed, now)
    else:
        if created:  # the first we hear of it is its end: nobody is to be shown a call that is over
            _on_new_call(call, created, parsed, pop=False)
        _on_hangup(call, parsed, now, actor)
    logger.info(
        "cti event",
        extra={"event": parsed.event, "call": call.pk, "state": call.state, "team_id": line.team_id},
    )
    return call


# --- Linking a logged contact -------------------------------------------------------


@transaction.atomic
def call_contact_link(*, call_id: int, moment: ContactMoment, actor) -> Call | None:
    """Note that `moment` is the contact logged for call `call_id`, when that fits; None when it does not.

    It fits when `actor` may see the call (its team), the call has no contact yet, and the contact's
    customer is the call's (or the call's number is that customer's, for a caller we did not know).
    """
    from .selectors import calls_for

    call = calls_for(user=actor).select_for_update(of=("self",)).filter(pk=call_id).first()
    if call is None or call.moment_id is not None:
        return None
    customer = moment.customer
    if call.customer_id is not None:
        if call.customer_id != customer.pk:
            return None
    elif not call.caller_number or call.caller_number != customer.phone:
        return None
    call.moment = moment
    call.customer = customer
    call.save(update_fields=["moment", "customer"])
    return call


# --- Privacy --------------------------------------------------------------------------


def calls_erase_for(customer_ids, actor) -> int:
    """Erase the calls of erased customers: recognised ones, and any other call from their numbers.

    Calls are deleted outright (they hold the number; the weekly report counts come from promises and
    contacts). Returns how many went.
    """
    customer_ids = list(customer_ids)
    if not customer_ids:
        return 0
    numbers = [n for n in Customer.history.filter(id__in=customer_ids).values_list("phone", flat=True).distinct() if n]
    condition = Q(customer_id__in=customer_ids) | Q(moment__customer_id__in=customer_ids)
    if numbers:
        condition |= Q(caller_number__in=numbers)
    deleted, _counts = Call.objects.filter(condition).delete()
    if deleted:
        logger.info("cti calls erased", extra={"count": deleted, "actor_id": getattr(actor, "pk", None)})
    return deleted


def calls_export_for(customer: Customer) -> list[dict]:
    """A customer's calls for a privacy export: recognised as theirs, or from their number."""
    mine = Q(customer=customer) | (Q(caller_number=customer.phone) if customer.phone else Q(pk__in=[]))
    return [
        {
            "started_at": call.started_at.isoformat(),
            "direction": call.direction,
            "number": call.caller_number,
            "state": call.state,
            "answered_at": call.answered_at.isoformat() if call.answered_at else "",
            "ended_at": call.ended_at.isoformat() if call.ended_at else "",
            "team": str(call.team),
        }
        for call in Call.objects.filter(mine).select_related("team").order_by("started_at", "pk")
    ]

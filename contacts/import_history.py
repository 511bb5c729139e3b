"""The contact-history file of an import: its columns, how a line is read, and what it does.

A line is a contact moment of the past (date, channel, direction, topic, summary, the customer's key, an
optional team). It obeys the log form's own rules: `services.contact_moment_clean` in the dry run and
`services.contact_moment_create` when importing, which also keeps the customer's last contact right. It plans
no check-ins or promises (that is `followups.services.contact_log`, for contacts logged at the desk) and is
marked with its import (`ContactMoment.imported_by_import`). A line whose (customer, when, channel,
direction, summary) is stored already is "unchanged", so importing the same file twice creates nothing new.
`imports` runs these per batch, for the dry run and for the import.
"""

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import services
from .models import ContactMoment, Customer, Team, Topic
from .normalize import customer_number_normalize, email_normalize, name_normalize, phone_normalize

MOMENT_FIELDS = ("occurred_at", "channel", "direction", "topic", "summary", "team")
KEY_FIELDS = ("customer_number", "email", "phone")  # the customer, matched in this order (as a customer file)
FIELDS = (*MOMENT_FIELDS, *KEY_FIELDS)
REQUIRED = ("occurred_at", "channel", "direction", "summary")
# Column headers as Dutch and English files spell them (compared after name_normalize); the key columns
# are spelled as in a customer file (`imports.HEADERS`).
HEADERS = {
    "occurred_at": [
        "datum", "datum tijd", "datum en tijd", "tijdstip", "tijd", "wanneer", "moment", "contactmoment",
        "date", "date time", "datetime", "when", "time", "contact date",
    ],
    "channel": ["kanaal", "contactkanaal", "medium", "channel", "contact channel"],
    "direction": ["richting", "in uit", "inkomend uitgaand", "direction", "in out", "inbound outbound"],
    "topic": ["onderwerp", "categorie", "topic", "subject", "category"],
    "summary": [
        "samenvatting", "omschrijving", "beschrijving", "notitie", "verslag",
        "summary", "description", "notes", "note",
    ],
    "team": ["team", "afdeling", "department"],
}  # fmt: skip
_CHANNEL_WORDS = {
    ContactMoment.Channel.PHONE: ["telefoon", "telefonisch", "tel", "bellen", "phone", "telephone", "call"],
    ContactMoment.Channel.EMAIL: ["e mail", "email", "mail"],
    ContactMoment.Channel.CHAT: ["chat"],
    ContactMoment.Channel.DESK: ["balie", "loket", "desk", "counter"],
    ContactMoment.Channel.SOCIAL: ["social media", "sociale media", "social"],
    ContactMoment.Channel.LETTER: ["brief", "post", "letter"],
}
_DIRECTION_WORDS = {
    ContactMoment.Direction.INBOUND: ["in", "inkomend", "binnenkomend", "inbound", "incoming"],
    ContactMoment.Direction.OUTBOUND: ["uit", "uitgaand", "out", "outbound", "outgoing"],
}
# 2024-12-31, 2024-12-31 14:05, 2024-12-31T14:05:00(+01:00|Z); and day first: 31-12-2024 14:05, 31/12/2024.
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,6})?)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?",
    re.ASCII | re.IGNORECASE,
)
_DAY_FIRST = re.compile(
    r"(?P<d>\d{1,2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})"
    r"(?:,?\s+(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?",
    re.ASCII,
)
_QUOTED_MAX = 80


@dataclass
class Line:
    number: int
    values: dict[str, str]
    moment: ContactMoment | None = None
    action: str = ""  # create, unchanged; empty when the line failed
    errors: list[dict] = field(default_factory=list)

    def error(self, name: str, message) -> None:
        self.errors.append({"line": self.number, "field": name, "message": str(message)})


def _quoted(value: str) -> str:
    """A cell inside a message: whole when short, its start when it is a paragraph."""
    value = " ".join(value.split())
    return value if len(value) <= _QUOTED_MAX else value[: _QUOTED_MAX - 1] + "…"


@functools.cache
def _words(kind: str) -> dict[str, str]:
    """Every spelling of a channel or direction: codes, the words above, and the labels in both languages."""
    choices, extra = (
        (ContactMoment.Channel, _CHANNEL_WORDS) if kind == "channel" else (ContactMoment.Direction, _DIRECTION_WORDS)
    )
    words = {}
    for value, spellings in extra.items():
        words[str(value)] = str(value)
        words.update(dict.fromkeys(spellings, str(value)))
    for language in ("nl", "en"):
        with translation.override(language):
            for value, label in choices.choices:
                words.setdefault(name_normalize(str(label)), str(value))
    return words


def when_parse(text: str) -> datetime:
    """A date (with an optional time) as the file spells it, in the desk's time zone. Raises ValidationError."""
    typed = " ".join(text.split())
    if not typed:
        raise ValidationError({"occurred_at": ValidationError(_("This field cannot be blank."), code="blank")})
    match = _ISO.fullmatch(typed) or _DAY_FIRST.fullmatch(typed)
    unreadable = ValidationError(
        {
            "occurred_at": _("“%(value)s” is not a date we can read. Write it like 31-12-2024 14:05 or 2024-12-31.")
            % {"value": _quoted(typed)}
        },
        code="invalid",
    )
    if match is None:
        raise unreadable
    year = int(match["y"])
    if not 1900 <= year <= 9998:  # further out than any contact, and out of range once moved to UTC
        services.occurred_at_check(datetime(1900 if year < 1900 else 9998, 1, 1, tzinfo=UTC), now=timezone.now())
    zone = timezone.get_current_timezone()
    if match.groupdict().get("zone"):
        spelled = match["zone"].upper().replace(":", "")
        if spelled == "Z":
            zone = UTC
        else:
            sign = -1 if spelled[0] == "-" else 1
            zone = dt_timezone(sign * timedelta(hours=int(spelled[1:3]), minutes=int(spelled[3:5])))
    try:
        return datetime(
            year,
            int(match["m"]),
            int(match["d"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            tzinfo=zone,
        )
    except ValueError:  # 31-02-2024, 25:00
        raise unreadable from None


def _key(values: dict[str, str]) -> tuple[str, str] | None:
    """How the line names its customer: ("customer_number", "K1"), ("email", …) or ("phone", "+316…")."""
    if number := customer_number_normalize(values.get("customer_number", "")):
        return "customer_number", number
    if email := email_normalize(values.get("email", "")):
        return "email", email
    if phone := values.get("phone", "").strip():
        return "phone", phone_normalize(phone) or ""
    return None


def _customers(keys: list[tuple[str, str] | None]) -> dict[tuple[str, str], list[Customer]]:
    """The customers the lines of a batch name, by key: at most three queries."""
    wanted: dict[str, set[str]] = {name: set() for name in KEY_FIELDS}
    for key in keys:
        if key and key[1]:
            wanted[key[0]].add(key[1])
    found: dict[tuple[str, str], list[Customer]] = {}
    for name, values in wanted.items():
        if values:
            for customer in Customer.objects.filter(**{f"{name}__in": values}).order_by("pk"):
                found.setdefault((name, getattr(customer, name)), []).append(customer)
    return _survivors(found)


def _survivors(found: dict[tuple[str, str], list[Customer]]) -> dict[tuple[str, str], list[Customer]]:
    """A customer merged into another stands for the one that stayed: its contacts moved there too."""
    for _hop in range(5):  # a survivor merged again later: follow the chain a few steps
        merged = {c.merged_into_id for cs in found.values() for c in cs if getattr(c, "merged_into_id", None)}
        if not merged:
            break
        survivors = Customer.objects.in_bulk(merged)
        found = {
            key: [survivors.get(c.merged_into_id, c) if getattr(c, "merged_into_id", None) else c for c in cs]
            for key, cs in found.items()
        }
    return found


def _customer_error(line: Line, key: tuple[str, str] | None, matches: list[Customer]) -> None:
    if key is None:
        line.error("customer_number", _("A line needs a customer number, e-mail or phone to find its customer."))
    elif not matches and key[0] == "customer_number":
        line.error(
            "customer_number",
            _("No customer has customer number %(number)s. Import the customers first.") % {"number": key[1]},
        )
    elif not matches:
        line.error(key[0], _("No customer has this e-mail address or phone number. Import the customers first."))
    else:
        line.error(
            key[0], _("More than one customer has this e-mail address or phone number: use the customer number.")
        )


def _choice(line: Line, name: str, words: dict[str, str], message: str) -> str:
    typed = line.values.get(name, "").strip()
    if not typed:
        line.error(name, _("This field cannot be blank."))
        return ""
    value = words.get(name_normalize(typed))
    if value is None:
        line.error(name, message % {"value": _quoted(typed)})
        return ""
    return value


def _named(line: Line, name: str, known: dict[str, object], message: str):
    typed = " ".join(line.values.get(name, "").split())
    if not typed:
        return None
    found = known.get(typed.casefold())
    if found is None:
        line.error(name, message % {"name": _quoted(typed)})
    return found


def _read(line: Line, key, matches, *, topics, teams, actor, now) -> None:
    """The line as a contact moment through the log form's rules; its errors on the line."""
    if len(matches) != 1:
        _customer_error(line, key, matches)
    try:
        occurred_at = when_parse(line.values.get("occurred_at", ""))
    except ValidationError as error:
        _errors(line, error)
        occurred_at = None
    channel = _choice(
        line,
        "channel",
        _words("channel"),
        _("“%(value)s” is not a channel. Use phone, e-mail, chat, desk, social media or letter."),
    )
    direction = _choice(line, "direction", _words("direction"), _("“%(value)s” is not a direction. Use in or out."))
    topic = _named(line, "topic", topics, _("There is no topic called “%(name)s”."))
    team = _named(line, "team", teams, _("There is no team called “%(name)s”."))
    moment = ContactMoment(
        customer=matches[0] if len(matches) == 1 else None,
        logged_by=actor,
        occurred_at=occurred_at or now,
        channel=channel or ContactMoment.Channel.PHONE,
        direction=direction or ContactMoment.Direction.INBOUND,
        topic=topic,
        team=team,
        summary=line.values.get("summary", ""),
    )
    try:
        services.contact_moment_clean(moment, now=now, when_changed=occurred_at is not None)
        # The log form's length rule (a model TextField does not check its max_length): refused, never cut.
        MaxLengthValidator(ContactMoment._meta.get_field("summary").max_length)(moment.summary)
    except ValidationError as error:
        _errors(line, error, default="summary")
    if not line.errors:
        line.moment = moment


def _errors(line: Line, error: ValidationError, *, default: str = "occurred_at") -> None:
    if not hasattr(error, "error_dict"):
        error = ValidationError({default: error.error_list})
    for name, messages in error.message_dict.items():
        for message in messages:
            line.error(name, message)


def identity(moment: ContactMoment) -> tuple:
    """What makes a stored contact "the same" as a line: importing the line again changes nothing."""
    return moment.customer_id, moment.occurred_at, moment.channel, moment.direction, moment.summary


def plan(chunk: list[tuple[int, dict[str, str]]], *, actor, seen: dict) -> list[Line]:
    """Decide, for every line of a batch, the contact it is and whether it is new (a handful of queries).

    `seen` remembers the contacts of earlier lines (identity → line number): the same contact twice in a
    file is reported on its second line.
    """
    now = timezone.now()
    # A NUL is no data (the reader drops it already) and PostgreSQL cannot even compare with it.
    lines = [Line(number, {k: v.replace("\x00", "") for k, v in values.items()}) for number, values in chunk]
    keys = [_key(line.values) for line in lines]
    customers = _customers(keys)
    topics = {topic.name.casefold(): topic for topic in Topic.objects.all()}  # retired ones too: this is history
    teams = {team.name.casefold(): team for team in Team.objects.all()}
    for line, key in zip(lines, keys, strict=True):
        matches = customers.get(key, []) if key else []
        _read(line, key, matches, topics=topics, teams=teams, actor=actor, now=now)
    planned = [line for line in lines if line.moment is not None]
    stored = set(
        ContactMoment.objects.filter(
            customer__in={line.moment.customer_id for line in planned},
            occurred_at__in={line.moment.occurred_at for line in planned},
        ).values_list("customer_id", "occurred_at", "channel", "direction", "summary")
    )
    for line in planned:
        same = identity(line.moment)
        if same in seen:
            line.error("summary", _("The same contact is also on line %(line)s.") % {"line": seen[same]})
            line.moment = None
            continue
        seen[same] = line.number
        line.action = "unchanged" if same in stored else "create"
    return lines


def apply(lines: list[Line], *, actor, import_id: int) -> None:
    """Write the new contacts of a planned batch, each through the service the log form uses, marked with
    the import they came from."""
    for line in lines:
        if line.action != "create":
            continue
        moment = line.moment
        services.contact_moment_create(
            customer=moment.customer,
            logged_by=actor,
            actor=actor,
            occurred_at=moment.occurred_at,
            channel=moment.channel,
            direction=moment.direction,
            topic=moment.topic,
            team=moment.team,
            summary=moment.summary,
            imported_by_import_id=import_id,
        )


def preview_row(line: Line) -> dict:
    moment = line.moment
    if moment is None:
        return {"line": line.number, "action": "", "values": line.values}
    return {
        "line": line.number,
        "action": line.action,
        "customer": str(moment.customer),
        "occurred_at": date_format(timezone.localtime(moment.occurred_at), "SHORT_DATETIME_FORMAT"),
        "channel": moment.get_channel_display(),
        "direction": moment.get_direction_display(),
        "topic": moment.topic.name if moment.topic else "",
        "team": moment.team.name if moment.team else "",
        "summary": moment.summary,
    }

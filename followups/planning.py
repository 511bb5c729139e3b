"""Due dates and waiting times: offsets, business days, public holidays, reply terms and the desk's opening hours.

Check-ins (due dates), callbacks (due within business hours), reply-by
promises (reply terms) and handovers (how long they may wait, and waited)
all count here.

Pure functions, no database; except `desk()`, which reads the managers' desk settings once per use (opening
hours, reply terms, keep-informed cadence) and hands them to the pure functions.
"""

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
_OFFSET = re.compile(r"^(\d{1,3})\s*([dw])$")
MAX_DAYS = 366


@dataclass(frozen=True)
class Offset:
    amount: int
    unit: str  # "d" (days) or "w" (weeks)

    @property
    def kind(self) -> str:
        """The check-in kind this offset plans: "3d", "6w"."""
        return f"{self.amount}{self.unit}"

    @property
    def days(self) -> int:
        return self.amount * (7 if self.unit == "w" else 1)


def offsets_parse(text: str) -> list[Offset]:
    """`"3d, 6w"` → [Offset(3, "d"), Offset(6, "w")]. Raises ValueError with a message for people."""
    parts = [part.strip().lower() for part in (text or "").replace(";", ",").split(",") if part.strip()]
    if not parts:
        raise ValueError(_("Give at least one offset, e.g. “3d, 6w”."))
    offsets = []
    for part in parts:
        match = _OFFSET.match(part)
        if not match:
            raise ValueError(
                _("“%(part)s” is not an offset: use a whole number of days or weeks, like 3d or 6w.") % {"part": part}
            )
        offset = Offset(int(match.group(1)), match.group(2))
        if offset.amount < 1 or offset.days > MAX_DAYS:
            raise ValueError(_("Offsets run from 1 day to a year; “%(part)s” does not.") % {"part": part})
        if offset.kind in {o.kind for o in offsets}:
            raise ValueError(_("“%(part)s” is given twice.") % {"part": part})
        offsets.append(offset)
    return sorted(offsets, key=lambda o: o.days)


UPDATE_KIND = "update"  # the kind of a keep-informed check-in (issue 13): one per open promise at a time
# "Losing touch" (issue 14): after how many days without contact a customer is on the list, and the kind of the
# check-in the list plans (one open per customer: CheckIn's checkin_one_open_per_customer_kind).
DEFAULT_LOSING_TOUCH_DAYS = 14
MAX_LOSING_TOUCH_DAYS = 365
TOUCH_KIND = "touch"


def kind_label(kind: str) -> str:
    """ "3d" → "day 3", "6w" → "week 6", "update" → "keep informed" (translated)."""
    if kind == UPDATE_KIND:
        return _("keep informed")
    if kind == TOUCH_KIND:
        return _("back in touch")
    match = _OFFSET.match(kind or "")
    if not match:
        return kind
    amount = match.group(1)
    return _("day %(n)s") % {"n": amount} if match.group(2) == "d" else _("week %(n)s") % {"n": amount}


def country_supported(code: str) -> bool:
    return code in holidays.list_supported_countries()


@lru_cache(maxsize=16)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=[year, year + 1]).keys())


def is_business_day(day: date, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, day.year)


@lru_cache(maxsize=32)
def _holiday_names(country: str, year: int, language: str) -> dict[date, str]:
    calendar = holidays.country_holidays(country, years=[year])
    chosen = _holiday_language(language, calendar.supported_languages, calendar.default_language)
    return dict(holidays.country_holidays(country, years=[year], language=chosen))


def _holiday_language(language: str, supported, default) -> str | None:
    """The holidays package's code for a Django language ("en-gb" → "en_US", "nl" → "nl"), or its default."""
    wanted = (language or "").replace("-", "_").lower()
    by_lower = {code.lower(): code for code in supported}
    if wanted in by_lower:
        return by_lower[wanted]
    base = wanted.split("_")[0]
    return next((code for code in supported if code.lower().split("_")[0] == base), default)


def non_business_day(day: date, country: str, language: str) -> str | None:
    """Why `day` is no business day, for people: the public holiday's name (in `language` where the
    calendar has it, e.g. "Christmas Day" / "Eerste kerstdag") or the weekday ("Saturday"); None on a business day.
    """
    name = _holiday_names(country, day.year, language).get(day)
    if name:
        return name
    if day.weekday() >= 5:
        with translation.override(language):
            return _("Saturday") if day.weekday() == 5 else _("Sunday")
    return None


def next_business_day(day: date, country: str) -> date:
    """`day` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day


def due_date(start: date, offset: Offset, *, business_days: bool, country: str) -> date:
    """The local date a check-in falls due, `offset` after a contact on local date `start`.

    Calendar policies simply add days or weeks. Business policies count days
    as business days (Friday + 3 = Wednesday; weekends and public holidays
    of `country` do not count) and move a weeks-offset that lands on a
    weekend or holiday to the next business day.
    """
    if not business_days:
        return start + timedelta(days=offset.days)
    if offset.unit == "w":
        return next_business_day(start + timedelta(days=offset.days), country)
    day, counted = start, 0
    while counted < offset.amount:
        day += timedelta(days=1)
        if is_business_day(day, country):
            counted += 1
    return day


# --- Business hours (issue 12: callbacks; issue 13: how long a handover may wait, and waited) ---

_OPENING = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$", re.ASCII)
_MAX_BUSINESS_DAYS_SEARCHED = 3660  # ten years of days without one business day: a calendar we cannot use


@dataclass(frozen=True)
class OpeningHours:
    """When the desk is open on a business day, in the desk's local (wall-clock) time: opens < closes."""

    opens: time
    closes: time

    @classmethod
    def parse(cls, text: str) -> "OpeningHours":
        """`"09:00-17:00"` → OpeningHours(09:00, 17:00). ValueError when it is not one (the setting is checked
        at startup with this, see contactcare/settings.py)."""
        match = _OPENING.match((text or "").strip())
        if match is None:
            raise ValueError(f"opening hours must look like 09:00-17:00, not {text!r}")
        opens = time(int(match.group(1)), int(match.group(2)))
        closes = time(int(match.group(3)), int(match.group(4)))
        if opens >= closes:
            raise ValueError(f"opening hours must open before they close: {text!r}")
        return cls(opens, closes)

    @property
    def text(self) -> str:
        """How they are written and stored: "09:00-17:00"."""
        return f"{self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def day_hours(self) -> Decimal:
        """The length of one business day, in hours (8 for 09:00-17:00): what "1 business day" of a term is."""
        minutes = (self.closes.hour * 60 + self.closes.minute) - (self.opens.hour * 60 + self.opens.minute)
        return Decimal(minutes) / 60


def _duration(hours: float | Decimal) -> timedelta:
    """Hours as an exact timedelta (a Decimal 1.5 is 90 minutes, to the microsecond)."""
    if isinstance(hours, float) and not math.isfinite(hours):
        raise ValueError("hours must be a finite number")
    amount = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
    if not amount.is_finite() or amount < 0:
        raise ValueError("hours must be a finite number, zero or more")
    return timedelta(microseconds=int(amount * 3_600_000_000))


def business_hours_add(
    start: datetime, hours: float | Decimal, *, country: str, opening: OpeningHours, zone: tzinfo | None = None
) -> datetime:
    """`start` plus `hours` of opening hours: only the desk's opening hours on business days count.

    The one place business-hours arithmetic lives (callbacks due "within 2
    business hours"; issue 13 reuses it). Business days are weekdays that are
    not public holidays of `country` (`is_business_day`). A `start` outside
    opening hours starts counting at the next opening. Time is counted as
    really elapsed (in UTC) within each day's opening hours, which are read in
    wall-clock time in `zone` (default: the desk's time zone, settings.TIME_ZONE),
    so a day on which the clocks change still has its opening hours at 09:00
    local. The answer is aware, in `zone`; it may be the closing time itself
    (Friday 15:00 + 2h = Friday 17:00). Pure: no database.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be an aware datetime")
    remaining = _duration(hours)
    zone = zone or ZoneInfo(settings.TIME_ZONE)
    local = start.astimezone(zone)
    day, cursor = local.date(), start.astimezone(UTC)
    for _searched in range(_MAX_BUSINESS_DAYS_SEARCHED):
        if is_business_day(day, country):
            opens = datetime.combine(day, opening.opens, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, opening.closes, tzinfo=zone).astimezone(UTC)
            begin = max(cursor, opens)
            if begin <= closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(zone)
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    raise ValueError(f"no business day found within {_MAX_BUSINESS_DAYS_SEARCHED} days for {country!r}")


def business_hours_between(
    start: datetime, end: datetime, *, country: str, opening: OpeningHours, zone: tzinfo | None = None
) -> timedelta:
    """How much opening time on business days lies between `start` and `end`: the inverse of `business_hours_add`.

    What a customer waited in the desk's time (a handover made on Friday at
    16:30 and accepted on Monday at 9:30 waited one business hour). Counted
    as `business_hours_add` counts: really elapsed time (UTC) within each
    business day's opening hours, read in wall-clock time in `zone` (default
    settings.TIME_ZONE). Zero when `end` is not after `start`. Pure: no database.
    """
    for moment in (start, end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("start and end must be aware datetimes")
    if end <= start:
        return timedelta(0)
    zone = zone or ZoneInfo(settings.TIME_ZONE)
    begin, finish = start.astimezone(UTC), end.astimezone(UTC)
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    total = timedelta(0)
    while day <= last:
        if is_business_day(day, country):
            opens = datetime.combine(day, opening.opens, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(day, opening.closes, tzinfo=zone).astimezone(UTC)
            counted = min(closes, finish) - max(opens, begin)
            if counted > timedelta(0):
                total += counted
        day += timedelta(days=1)
    return total


# --- Reply terms and keeping customers informed (issue 13) -------------------------

_TERM = re.compile(r"^(\d{1,3})\s*([dh])$", re.ASCII)
MAX_TERM_DAYS = 60  # a reply term longer than this is a typing error
MAX_TERM_HOURS = 200
MAX_KEEP_INFORMED_DAYS = 60
# The reply terms a desk starts with (issue 13): e-mail 1 business day, letter 5, social media 4 business
# hours; chat, phone and the desk answer at once, so they promise no reply.
DEFAULT_REPLY_TERMS = {"email": "1d", "letter": "5d", "social": "4h"}
DEFAULT_KEEP_INFORMED_DAYS = 3
DESK_COUNTRY = "NL"  # the desk's public holidays for reply terms, callbacks and keep-informed updates


@dataclass(frozen=True)
class Term:
    """How long the desk takes to reply on a channel: business days ("1d") or business hours ("4h")."""

    amount: int
    unit: str  # "d" (business days) or "h" (business hours)

    @property
    def text(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def in_hours(self) -> bool:
        return self.unit == "h"

    def hours(self, opening: OpeningHours) -> Decimal:
        """The term in hours of opening: a business day is one whole day of opening hours (8 for 09:00-17:00)."""
        return Decimal(self.amount) * (opening.day_hours if self.unit == "d" else 1)


def term_parse(text: str) -> Term | None:
    """`"1d"` → Term(1, "d"), `"4h"` → Term(4, "h"), `""` → None (no reply-by promise on that channel).

    Raises ValueError with a message for people.
    """
    typed = (text or "").strip().lower()
    if not typed:
        return None
    match = _TERM.match(typed)
    if not match:
        shown = text.strip() if len(text.strip()) <= 20 else text.strip()[:20] + "…"  # a paste is not echoed whole
        message = _("“%(term)s” is not a reply term: use business days or hours, like 1d or 4h.")
        raise ValueError(message % {"term": shown})
    term = Term(int(match.group(1)), match.group(2))
    limit = MAX_TERM_DAYS if term.unit == "d" else MAX_TERM_HOURS
    if not 1 <= term.amount <= limit:
        raise ValueError(
            _("A reply term runs from 1 to %(days)s business days or from 1 to %(hours)s business hours.")
            % {"days": MAX_TERM_DAYS, "hours": MAX_TERM_HOURS}
        )
    return term


def term_due(
    start: datetime, term: Term, *, country: str, opening: OpeningHours, zone: tzinfo | None = None
) -> datetime:
    """When a reply to a contact at `start` is due: `term` counted in opening hours on business days.

    "1 business day" is one whole day of opening hours, so an e-mail at
    Friday 16:55 (09:00-17:00) is due on the next business day at 16:55; one
    that came in at night is due at the end of the next business day. Hours
    are counted by `business_hours_add`, the one place for that arithmetic.
    """
    return business_hours_add(start, term.hours(opening), country=country, opening=opening, zone=zone)


def keep_informed_due(start: date, days: int, *, country: str) -> date:
    """The local date a keep-informed update is due: `days` business days after local date `start`."""
    return due_date(start, Offset(days, "d"), business_days=True, country=country)


@dataclass(frozen=True)
class Desk:
    """The desk's calendar as the managers set it: opening hours, reply terms and the keep-informed cadence."""

    opening: OpeningHours
    reply_terms: dict  # channel → Term, only the channels that promise a reply
    keep_informed_days: int | None  # None: keeping customers informed is off
    country: str = DESK_COUNTRY

    def reply_term(self, channel: str) -> Term | None:
        return self.reply_terms.get(channel)


def desk_from(*, opening_hours: str = "", reply_terms: dict | None = None, keep_informed_days=None) -> Desk:
    """The Desk of stored values: empty opening hours are settings.DESK_OPENING_HOURS, and a value that cannot
    be read (stored around the settings page) falls back to the default, never breaking the logging of a contact.
    """
    try:
        opening = (
            OpeningHours.parse(opening_hours) if opening_hours else OpeningHours.parse(settings.DESK_OPENING_HOURS)
        )
    except ValueError:
        logger.warning("the desk's stored opening hours cannot be read; DESK_OPENING_HOURS applies")
        opening = OpeningHours.parse(settings.DESK_OPENING_HOURS)
    terms = {}
    for channel, text in (DEFAULT_REPLY_TERMS if reply_terms is None else reply_terms).items():
        try:
            term = term_parse(text) if isinstance(text, str) else None
        except ValueError:
            logger.warning("the stored reply term of %s cannot be read; it promises no reply", channel)
            term = None
        if term is not None:
            terms[channel] = term
    days = keep_informed_days if isinstance(keep_informed_days, int) else None
    if days is not None and not 1 <= days <= MAX_KEEP_INFORMED_DAYS:
        days = None
    return Desk(opening=opening, reply_terms=terms, keep_informed_days=days)


def desk() -> Desk:
    """The desk's settings, read once per use (one query): the managers' row, else the defaults."""
    from .models import DeskSettings  # models import this module

    row = DeskSettings.objects.filter(pk=DeskSettings.SINGLETON).first()
    if row is None:
        return desk_from(keep_informed_days=DEFAULT_KEEP_INFORMED_DAYS)
    return desk_from(
        opening_hours=row.opening_hours, reply_terms=row.reply_terms, keep_informed_days=row.keep_informed_days
    )


def desk_opening_hours() -> OpeningHours:
    """The desk's opening hours: the managers' setting, else settings.DESK_OPENING_HOURS (checked at startup)."""
    return desk().opening


# --- Handovers (issue 13) ---------------------------------------------------------


def handover_accept_by(made_at: datetime, *, opening: OpeningHours | None = None) -> datetime:
    """Until when a handover made at `made_at` may wait to be accepted (or passed on) before its team lead hears:
    HANDOVER_ESCALATE_AFTER_HOURS business hours of the desk (a handover made at night counts from the opening)."""
    hours = Decimal(str(settings.HANDOVER_ESCALATE_AFTER_HOURS))
    return business_hours_add(made_at, hours, country=DESK_COUNTRY, opening=opening or desk_opening_hours())


def handover_waited(start: datetime, end: datetime, *, opening: OpeningHours | None = None) -> timedelta:
    """How long a customer waited between two moments of a handover, in the desk's business hours (pass the
    desk's `opening` when working out many: reading it is a query)."""
    return business_hours_between(start, end, country=DESK_COUNTRY, opening=opening or desk_opening_hours())

"""The figures of the weekly report: what each one is called and exactly how it is counted.

One list serves the page, the CSV, the XLSX (whose definitions sheet is
this list) and the e-mail, so they cannot disagree.
"""

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contacts.models import ContactMoment


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    definition: str
    section: str
    unit: str = ""  # "" a count, "%" a percentage, "avg" an average on the 1–5 scale, "h" business hours

    def value(self, raw: dict):
        """This figure from additive raw counts (summed over teams for a total): the one place a figure is
        worked out and rounded, for the page, the CSV, the XLSX and the e-mail alike.

        Counts are whole numbers; shares (one decimal), averages (two) and
        medians (one) are rounded half up in Decimal, as people and Excel round:
        3.125 is 3.13, 12.25 % is 12.3 %. They are handed on as the float
        whose shortest form is that decimal (3.13 prints as 3.13), so that
        they compare, sort and serialise (JSON) as numbers did before.
        """
        if self.key in _MEDIANS:
            values = sorted(Decimal(repr(value)) for value in raw.get(_MEDIANS[self.key]) or [])
            return float(half_up(statistics.median(values), places=1)) if values else None
        if self.key in _DERIVED:
            numerator, denominator, scale = _DERIVED[self.key]
            below = raw.get(denominator, 0)
            if not below:
                return None
            return float(half_up(raw.get(numerator, 0) * scale, below, places=1 if scale == 100 else 2))
        return raw.get(self.key, 0)


def half_up(numerator, denominator=1, *, places: int) -> Decimal:
    """`numerator / denominator` rounded half up to `places` decimals.

    Worked out in Decimal from the integers (never through a float, in which
    3.125 may be 3.12499…): the quotient of two integers is either exact or
    more than a hair away from a half, so 28 digits decide the rounding right.
    """
    quotient = Decimal(numerator) / Decimal(denominator)
    return quotient.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


CONTACTS, CHECKINS, PROMISES, CALLS = _("Contacts"), _("Check-ins"), _("Promises"), _("Calls")
REPLIES = _("Replies and updates")  # issue 13: reply-by promises, keeping customers informed
HANDOVERS = _("Handovers")
# A whole sentence per direction: Dutch inflects the adjective ("inkomende
# contacten"), so "{direction} contacts" cannot be glued from the label.
_BY_CHANNEL = {
    ContactMoment.Direction.INBOUND: _("Inbound contacts by {channel}."),
    ContactMoment.Direction.OUTBOUND: _("Outbound contacts by {channel}."),
}


def _by_channel(direction: str, channel_label) -> str:
    return str(_BY_CHANNEL[direction]).format(channel=str(channel_label).lower())


def _repeat_definition() -> str:
    """Says the window in days, from the setting, as it is when the report is read."""
    days = settings.REPEAT_CONTACT_WINDOW_DAYS
    return ngettext(
        "Inbound contacts of a customer who had an earlier inbound contact, with any team, at most %(days)s day "
        "before on the desk's clock: at or after the same time of day on the day before (a contact at 10:00 "
        "counts one from 10:00 the day before on), also when the clocks changed in between.",
        "Inbound contacts of a customer who had an earlier inbound contact, with any team, at most %(days)s days "
        "before on the desk's clock: at or after the same time of day, %(days)s calendar days earlier (a contact "
        "at 10:00 counts one from 10:00 %(days)s days before on), also when the clocks changed in between.",
        days,
    ) % {"days": days}


def unit_labels() -> dict[str, str]:
    """Each unit as the downloads name it, in the active language (not the code "avg")."""
    return {"": str(_("count")), "%": "%", "avg": str(_("average, 1 to 5")), "h": str(_("business hours"))}


_lazy_text = lazy(lambda build, *args: build(*args), str)
# key: (numerator, denominator, scale)
_DERIVED = {
    "repeat_rate": ("repeat", "inbound", 100),
    "helped_share": ("helped_yes", "helped_asked", 100),
    "sentiment_start_avg": ("sentiment_start_sum", "contacts", 1),
    "sentiment_end_avg": ("sentiment_end_sum", "contacts", 1),
    "ended_better_share": ("ended_better", "contacts", 100),
    "callbacks_on_time_share": ("callbacks_on_time", "callbacks_due", 100),
    "replies_on_time_share": ("replies_on_time", "replies_due", 100),
    "updated_every_period_share": ("updated_every_period", "to_keep_informed", 100),
}
# key: the raw list (one value per item) whose median it is
_MEDIANS = {"handover_wait_median": "handover_waits"}


def _escalated_definition() -> str:
    """Says the limit in business hours, from the setting, as it is when the report is read."""
    hours = settings.HANDOVER_ESCALATE_AFTER_HOURS
    return _(
        "Handovers made in the week that waited longer than %(hours)s business hours to be accepted or passed on "
        "(answered late, or still waiting as of now): their team lead was told."
    ) % {"hours": f"{hours:g}"}


FIGURES = [
    Figure(
        "contacts",
        _("Contacts"),
        _("Contact moments that happened in the week (local time), any channel or direction."),
        CONTACTS,
    ),
    Figure("inbound", _("Inbound"), _("Contacts the customer started."), CONTACTS),
    Figure("outbound", _("Outbound"), _("Contacts the desk started (including check-in calls)."), CONTACTS),
    Figure(
        "imported",
        _("Imported"),
        _("Contacts of the week that came from a contact-history file instead of being logged at the desk."),
        CONTACTS,
    ),
    *[
        Figure(
            f"ch_{channel}_{direction}",
            format_lazy("{} · {}", channel_label, direction_label),
            _lazy_text(_by_channel, direction, channel_label),
            CONTACTS,
        )
        for channel, channel_label in ContactMoment.Channel.choices
        for direction, direction_label in ContactMoment.Direction.choices
    ],
    Figure("complaints", _("Complaints"), _("Contacts marked as a complaint."), CONTACTS),
    Figure("compliments", _("Compliments"), _("Contacts marked as a compliment."), CONTACTS),
    Figure(
        "repeat",
        _("Repeat contacts"),
        _lazy_text(_repeat_definition),
        CONTACTS,
    ),
    Figure(
        "repeat_rate", _("Repeat-contact rate"), _("Repeat contacts as a share of inbound contacts."), CONTACTS, "%"
    ),
    Figure(
        "helped_asked",
        _("Closing question asked"),
        _("Contacts where “fully helped?” was answered yes or no."),
        CONTACTS,
    ),
    Figure(
        "helped_share",
        _("Fully helped"),
        _("Share of the contacts where the question was asked that answered yes."),
        CONTACTS,
        "%",
    ),
    Figure(
        "sentiment_start_avg",
        _("Sentiment at start"),
        _("Average on the scale 1 (very negative) to 5 (very positive)."),
        CONTACTS,
        "avg",
    ),
    Figure(
        "sentiment_end_avg",
        _("Sentiment at end"),
        _("Average on the scale 1 (very negative) to 5 (very positive)."),
        CONTACTS,
        "avg",
    ),
    Figure(
        "ended_better",
        _("Ended better"),
        _("Contacts whose sentiment at the end was higher than at the start."),
        CONTACTS,
    ),
    Figure(
        "ended_better_share",
        _("Ended better (share)"),
        _("Contacts that ended better, as a share of all contacts."),
        CONTACTS,
        "%",
    ),
    Figure(
        "checkins_due",
        _("Check-ins due"),
        _(
            "Check-ins whose due date falls in the week and that were still owed: not skipped or superseded (those "
            "are figures of their own). Done on time, done late, overdue and not yet due add up to it."
        ),
        CHECKINS,
    ),
    Figure("checkins_on_time", _("Done on time"), _("Due check-ins done on or before their due date."), CHECKINS),
    Figure("checkins_late", _("Done late"), _("Due check-ins done after their due date."), CHECKINS),
    Figure("checkins_overdue", _("Overdue"), _("Due check-ins still open after their due date (as of now)."), CHECKINS),
    Figure(
        "checkins_skipped",
        _("Skipped"),
        _("Check-ins due in the week that were skipped, with a reason; not counted as due or overdue."),
        CHECKINS,
    ),
    Figure(
        "checkins_superseded",
        _("Superseded"),
        _(
            "Check-ins due in the week that a newer contact replaced, or keep-informed check-ins whose promise was "
            "kept or cancelled first; not counted as due or overdue."
        ),
        CHECKINS,
    ),
    Figure(
        "checkins_rescheduled",
        _("Rescheduled"),
        _(
            "Check-ins first planned for a day in the week that were moved (rescheduled) to a day in another week; "
            "they count as due in the week they were moved to, not here. A move within the week is not counted."
        ),
        CHECKINS,
    ),
    Figure("promises_made", _("Promises made"), _("Promises made in contacts that happened in the week."), PROMISES),
    Figure(
        "promises_due",
        _("Promises due"),
        _(
            "Promises whose due time falls in the week and that were still owed: not cancelled (cancelled ones are a "
            "figure of their own). Kept on time, kept late, broken and not yet due add up to it. A promise cannot "
            "be rescheduled."
        ),
        PROMISES,
    ),
    Figure("kept_on_time", _("Kept on time"), _("Due promises kept at or before their due time."), PROMISES),
    Figure("kept_late", _("Kept late"), _("Due promises kept after their due time (they broke first)."), PROMISES),
    Figure("broken", _("Broken"), _("Due promises still open after their due time (as of now)."), PROMISES),
    Figure(
        "cancelled",
        _("Cancelled"),
        _("Promises due in the week that were cancelled, with a reason; not counted as due or broken."),
        PROMISES,
    ),
    # Issue 12: the telephone system. Callbacks are promises, but counted here, not among the promises above.
    Figure(
        "missed_calls",
        _("Missed calls"),
        _("Calls the telephone system reported in the week that nobody answered."),
        CALLS,
    ),
    Figure(
        "callbacks_due",
        _("Callbacks due"),
        _(
            "Callbacks (a missed call to call back) whose due time falls in the week and that were still owed: "
            "not cancelled. Not counted among the promises."
        ),
        CALLS,
    ),
    Figure(
        "callbacks_on_time",
        _("Callbacks kept in time"),
        _("Due callbacks kept at or before their due time: the customer was called back in time."),
        CALLS,
    ),
    Figure(
        "callbacks_on_time_share",
        _("Callbacks kept in time (share)"),
        _("Callbacks kept in time as a share of the callbacks due."),
        CALLS,
        "%",
    ),
    # Issue 13: reply-by promises are promises too, but counted here, not among the promises above.
    Figure(
        "replies_due",
        _("Reply-by promises"),
        _(
            "Reply-by promises whose due time falls in the week and that were still owed (not cancelled): an "
            "inbound contact on a channel with a reply term "
            "(by default e-mail 1 business day, letter 5, social media 4 business hours) owes the customer a reply "
            "by the end of the term. The term is counted in the desk's opening hours on business days (weekdays "
            "that are no Dutch public holiday); one business day is one whole day of opening hours, so an e-mail "
            "on Friday at 16:55 is due on the next business day at 16:55. A second inbound contact while a reply "
            "is owed joins it (the earlier term stays). Not counted among the promises."
        ),
        REPLIES,
    ),
    Figure(
        "replies_on_time",
        _("Replied in time"),
        _(
            "Due reply-by promises kept at or before their due time: the customer had an outbound contact from "
            "the desk, on any channel, after the inbound contact and by the due time. A reply one minute late is "
            "kept late (the promise broke at its due time)."
        ),
        REPLIES,
    ),
    Figure(
        "replies_on_time_share",
        _("Replied in time (share)"),
        _("Replied in time as a share of the reply-by promises due."),
        REPLIES,
        "%",
    ),
    Figure(
        "to_keep_informed",
        _("Open promises to keep informed"),
        _(
            "Promises (made in a contact, reply-by promises included) with a keep-informed check-in due in the "
            "week: while a promise is open, the customer is owed an update every few business days (the desk's "
            "setting, by default 3) after it was made or after the last update, even without news. An update is "
            "any outbound contact to the customer. A check-in whose promise was kept or cancelled by its due "
            "date was not needed and does not count."
        ),
        REPLIES,
    ),
    Figure(
        "updated_every_period",
        _("Open promises updated in every period"),
        _(
            "Of the open promises to keep informed, those whose every keep-informed check-in due in the week was "
            "done on or before its due date: the customer had an update in every period."
        ),
        REPLIES,
    ),
    Figure(
        "updated_every_period_share",
        _("Updated in every period (share)"),
        _("Open promises updated in every period as a share of the open promises to keep informed."),
        REPLIES,
        "%",
    ),
]
# Issue 13: handing a customer over to a colleague or a team, counted per receiving team.
FIGURES += [
    Figure(
        "handovers",
        _("Handovers"),
        _(
            "Customers handed over to a colleague or a team in the week (from the customer page or the log form); "
            "passing a handover on counts as a handover too. Counted with the team it went to."
        ),
        HANDOVERS,
    ),
    Figure(
        "handovers_accepted",
        _("Accepted"),
        _("Handovers made in the week that their receiver accepted (as of now)."),
        HANDOVERS,
    ),
    Figure(
        "handovers_passed_on",
        _("Passed on"),
        _("Handovers made in the week that their receiver passed on to someone else (as of now)."),
        HANDOVERS,
    ),
    Figure(
        "handover_wait_median",
        _("Median wait until accepted"),
        _(
            "Of the handovers made in the week and accepted: the median time from the first handover of the "
            "customer (before any passing on) to the acceptance, in business hours (the desk's opening hours on "
            "business days)."
        ),
        HANDOVERS,
        "h",
    ),
    Figure("handovers_escalated", _("Escalated"), _lazy_text(_escalated_definition), HANDOVERS),
]
BY_KEY = {figure.key: figure for figure in FIGURES}
# The columns of the per-team comparison and the per-person table.
TEAM_COLUMNS = [
    "contacts",
    "repeat_rate",
    "helped_share",
    "complaints",
    "checkins_overdue",
    "broken",
    "handovers",
    "handover_wait_median",
]
PERSON_COLUMNS = [
    "contacts",
    "complaints",
    "helped_share",
    "checkins_on_time",
    "checkins_late",
    "checkins_overdue",
    "kept_on_time",
    "kept_late",
    "broken",
]


def definitions_markdown() -> str:
    """FIGURES as the README's table "Definitions of every figure", in the active language (a test holds the
    README to it, so the two cannot drift)."""
    lines = ["| Figure | How it is counted |", "| --- | --- |"]
    for figure in FIGURES:
        definition = str(figure.definition).replace("|", "\\|")
        lines.append(f"| {figure.label} (`{figure.key}`) | {definition} |")
    return "\n".join(lines)

"""Reply-by promises as the desk sees them (issue 13): when a reply is due, and the sentence for the customer.

*Reageer tijdig*: an inbound e-mail gets an acknowledgement that says by when
the customer will hear from us. The log form shows that sentence as soon as
the channel and direction make a reply owed, in the customer's language, to
copy into the acknowledgement; saving shows it again. Reads only: the writes
are `followups.services.reply_promise_for_contact` and `replies_keep`.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contactcare.formats import long_day
from contacts.models import ContactMoment, Customer

from . import planning
from .models import Promise, PromiseIs

logger = logging.getLogger(__name__)


def reply_due(*, channel: str, direction: str, occurred_at: datetime, desk: planning.Desk) -> datetime | None:
    """When a reply to a contact is due under the desk's reply terms; None when the contact owes none (outbound,
    or a channel without a term) or its term cannot be counted (a calendar without business days)."""
    term = desk.reply_term(channel) if direction == ContactMoment.Direction.INBOUND else None
    if term is None or occurred_at is None or timezone.is_naive(occurred_at):
        return None
    try:
        return planning.term_due(occurred_at, term, country=desk.country, opening=desk.opening)
    except (ValueError, OverflowError):
        logger.warning("a reply term of channel %s cannot be counted from %s", channel, occurred_at.date())
        return None


def reply_sentence(*, due_at: datetime, with_time: bool, language: str) -> str:
    """What the acknowledgement tells the customer, in `language` ("nl", "en"): "You will hear from us by
    Wednesday 25 November." The day as people write it (the year only when it is not this year); the clock
    time too when the term is counted in hours ("… by 11:30 on Thursday 26 November.")."""
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    local = timezone.localtime(due_at)
    with translation.override(language):
        day = long_day(local)
        if with_time:
            return _("You will hear from us by %(time)s on %(day)s.") % {"time": f"{local:%H:%M}", "day": day}
        return _("You will hear from us by %(day)s.") % {"day": day}


@dataclass(frozen=True)
class ReplyBy:
    """The reply a contact owes (or the open one it joins): when, and the sentence for the customer."""

    due_at: datetime
    sentence: str
    language: str  # the customer's, which the sentence is in
    joined: bool = False  # an open reply-by promise was owed already: its (earlier) time stands


def _with_time(channel: str, desk: planning.Desk) -> bool:
    term = desk.reply_term(channel)
    return term is not None and term.in_hours


def reply_by_of(promise: Promise, *, desk: planning.Desk) -> ReplyBy:
    """The sentence of an open reply-by promise (with its customer and contact selected)."""
    language = promise.customer.language
    with_time = _with_time(promise.moment.channel, desk) if promise.moment_id else False
    sentence = reply_sentence(due_at=promise.due_at, with_time=with_time, language=language)
    return ReplyBy(promise.due_at, sentence, language)


def reply_by_preview(
    *, customer: Customer, channel: str, direction: str, occurred_at: datetime | None, team_id: int | None
) -> ReplyBy | None:
    """What logging this contact would promise the customer (the log form, before saving): None when it owes no
    reply. While a reply is owed already (an open reply-by promise of the team), its time stands when earlier,
    as saving would keep it (`services.reply_promise_for_contact`). Two queries: the desk, the open promise."""
    desk = planning.desk()
    due_at = reply_due(channel=channel, direction=direction, occurred_at=occurred_at, desk=desk)
    if due_at is None:
        return None
    with_time = _with_time(channel, desk)
    open_reply = (
        Promise.objects.filter(PromiseIs.open() & PromiseIs.reply(), customer=customer, team_id=team_id)
        .select_related("moment")
        .first()
    )
    joined = open_reply is not None and open_reply.due_at <= due_at
    if joined:
        due_at = open_reply.due_at
        with_time = _with_time(open_reply.moment.channel, desk) if open_reply.moment_id else False
    sentence = reply_sentence(due_at=due_at, with_time=with_time, language=customer.language)
    return ReplyBy(due_at, sentence, customer.language, joined=open_reply is not None)


def reply_by_logged(moment: ContactMoment) -> ReplyBy | None:
    """The reply an inbound contact just logged owes the customer (shown after saving), or None."""
    if moment.direction != ContactMoment.Direction.INBOUND:
        return None
    owed = Promise.objects.filter(PromiseIs.open() & PromiseIs.reply()).select_related("customer", "moment")
    promise = owed.filter(customer=moment.customer_id, team_id=moment.team_id).first()
    return reply_by_of(promise, desk=planning.desk()) if promise is not None else None

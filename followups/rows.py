"""The follow-up lists' rows, rendered in Python: `{% checkin_row %}`, `{% promise_row %}`, `{% team_item %}`,
`{% handover_row %}`, the customer timeline's `{% contact_row %}`, `{% history_list %}` and
`{% losing_touch_row %}` (template tags in `followups.templatetags.followup_rows`).

My day shows up to 150 rows (25 per section). As template partials each row
cost about 0.9 ms in Django's template engine (some 20 variable lookups,
filters, a plural, URLs), which was over half of the page (issue 11). The
same markup built with `format_html` costs a tenth of that. These are the
only definitions of the rows: My day, the customer page, the team board,
losing touch and the row an action swaps in all render them through the
template tags (the partials `_checkin_row.html`, `_promise_row.html` and
`_handover_row.html` call them too).

Every value is escaped by `format_html` (contactcare.html); the words are
the ones the templates had (same msgids, so the translations stay).
"""

from datetime import date, datetime
from functools import lru_cache
from urllib.parse import quote

from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, gettext_noop, ngettext

from contactcare.formats import day, when
from contactcare.html import format_html
from contactcare.id_urls import id_url, id_urls
from contactcare.templatetags.contactcare import days_before, display_name
from contacts.normalize import phone_display
from followups.access import contact_rights

# The words every row repeats, translated once per language. key -> msgid (marked for makemessages).
_WORDS = {
    "due": gettext_noop("Due"),
    "after": gettext_noop("after"),
    "call_now": gettext_noop("Call now"),
    "reschedule": gettext_noop("Reschedule"),
    "skip": gettext_noop("Skip"),
    "broken": gettext_noop("broken"),
    "kept": gettext_noop("kept"),
    "kept_late": gettext_noop("kept late"),
    "keep": gettext_noop("Kept"),
    "cancel": gettext_noop("Cancel…"),
    "call_back": gettext_noop("Call back"),
    "log_now": gettext_noop("Log now"),
    "missed_call": gettext_noop("missed call"),
    "team_queue": gettext_noop("team queue"),
    "unknown_number": gettext_noop("unknown number"),
    "reply": gettext_noop("Reply by"),
    "received": gettext_noop("received"),
    "promised": gettext_noop("promised"),
    "due_lower": gettext_noop("due"),
    "last_updates": gettext_noop("updates to the customer"),
    "no_update": gettext_noop("no update to the customer yet"),
    "last_update": gettext_noop("last update to the customer"),
    "today": gettext_noop("today"),
    "handed_over": gettext_noop("Handed over"),
    "waiting_too_long": gettext_noop("waiting too long"),
    "accept": gettext_noop("Accept…"),
    "pass_on": gettext_noop("Pass on…"),
    "you": gettext_noop("you"),
    "complaint": gettext_noop("Complaint"),
    "compliment": gettext_noop("Compliment"),
    "imported": gettext_noop("imported"),
    "sentiment": gettext_noop("Sentiment"),
    "fully_helped": gettext_noop("Fully helped"),
    "not_fully_helped": gettext_noop("Not fully helped"),
    "correct": gettext_noop("Correct"),
    "delete": gettext_noop("Delete…"),
    "no_changes": gettext_noop("No changes to check-ins or promises recorded."),
    "the_system": gettext_noop("the system"),
    "why": gettext_noop("why"),
    "inactive": gettext_noop("inactive"),
    "queue": gettext_noop("Team queue"),
    "plan": gettext_noop("Plan a check-in"),
}


@lru_cache(maxsize=16)
def _words(language: str | None) -> dict[str, str]:
    return {key: gettext(msgid) for key, msgid in _WORDS.items()}


def _back(next_url: str) -> str:
    """`next|urlencode`, as the templates wrote it."""
    return quote(str(next_url or ""), safe="/")


def _csrf_input(token) -> str:
    """What `{% csrf_token %}` writes: the hidden field, when the request has a token."""
    if not token or token == "NOTPROVIDED":  # noqa: S105 - Django's marker for "no token", not a secret
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _days_ago(value, today: date) -> str:
    """ "today", "1 day ago", "4 days ago": how long ago a moment was, in the desk's days."""
    days = days_before(value, today)
    if days <= 0:
        return _words(get_language())["today"]
    return ngettext("%(days)s day ago", "%(days)s days ago", days) % {"days": days}


def _keep_informed_line(checkin) -> SafeString:
    """What a keep-informed check-in is about: the promise, when it was made and due, and the latest updates
    (`recent_updates`, attached by `keep_informed.recent_updates_attach`; left out when not attached)."""
    words = _words(get_language())
    promise = checkin.promise
    updates = getattr(checkin, "recent_updates", None)
    if updates is None:
        told = ""
    elif updates:
        told = format_html(
            " · {}: {}",
            words["last_updates"],
            mark_safe(", ".join(format_html("{} ({})", day(at), channel) for at, channel in updates)),  # noqa: S308 - each part built by format_html
        )
    else:
        told = format_html(" · {}", words["no_update"])
    return format_html(
        "“{}” ({} {}, {} {}){}",
        promise.description, words["promised"], day(promise.made_at), words["due_lower"], when(promise.due_at), told,
    )  # fmt: skip


def checkin_row(checkin, *, today: date, next_url: str) -> SafeString:
    """A check-in (with customer, origin and origin.topic selected; a keep-informed one with its promise) in a
    list; its actions swap the row."""
    link = id_urls()
    words = _words(get_language())
    is_open = checkin.status == "open"
    badges = ""
    if is_open:
        if checkin.due_date < today:
            days = days_before(checkin.due_date, today)
            text = ngettext("overdue %(days)s day", "overdue %(days)s days", days) % {"days": days}
            badges = format_html('<span class="badge text-bg-danger">{}</span>', text)
    else:
        badges = format_html('<span class="badge text-bg-secondary">{}</span>', checkin.get_status_display())
    origin = checkin.origin
    topic = format_html(", {}", origin.topic.name) if origin.topic_id else ""
    customer = checkin.customer
    phone = format_html(" · {}", phone_display(customer.phone)) if customer.phone else ""
    if checkin.promise_id:  # keep the customer informed about an open promise (issue 13)
        about = _keep_informed_line(checkin)
    else:
        about = format_html(
            "{} {}{} — {}", words["after"], day(origin.occurred_at), topic, Truncator(origin.summary).chars(80)
        )
    actions = ""
    if is_open:
        back = _back(next_url)
        reschedule = f"{link('followups:checkin-reschedule', checkin.pk)}?next={back}"
        skip = f"{link('followups:checkin-skip', checkin.pk)}?next={back}"
        log = f"{link('followups:contact-log', checkin.customer_id)}?checkin={checkin.pk}"
        target = f"#checkin-{checkin.pk} .row-form"
        actions = format_html(
            '<div class="d-flex gap-1 align-items-start row-actions">'
            '<a class="btn btn-sm btn-primary" href="{}">{}</a> '
            '<a class="btn btn-sm btn-outline-secondary" href="{}" hx-get="{}" hx-target="{}" '
            'hx-swap="innerHTML">{}</a> '
            '<a class="btn btn-sm btn-outline-secondary" href="{}" hx-get="{}" hx-target="{}" '
            'hx-swap="innerHTML">{}</a>'
            "</div>",
            log, words["call_now"],
            reschedule, reschedule, target, words["reschedule"],
            skip, skip, target, words["skip"],
        )  # fmt: skip
    return format_html(
        '<li class="list-group-item checkin-row{}" id="checkin-{}">'
        '<div class="d-flex flex-wrap justify-content-between gap-2"><div>'
        '<a class="fw-semibold" href="{}">{}</a> <span class="badge text-bg-primary">{}</span> {}'
        '<div class="small text-body-secondary">{} {} · {}{}</div>'
        "</div>{}</div>"
        '<div class="row-form"></div></li>\n',
        "" if is_open else " text-body-secondary", checkin.pk,
        link("contacts:customer-detail", checkin.customer_id), customer.full_name, checkin.kind_label, badges,
        words["due"], day(checkin.due_date), about, phone,
        actions,
    )  # fmt: skip


def promise_row(promise, *, now: datetime, next_url: str, csrf_token) -> SafeString:
    """A promise (with customer and owner selected) in a list; its actions swap the row.

    A callback (a missed call) may have no customer (its number shows) and no owner (the team's queue);
    "Log now" opens the log form for an outbound call, or the new-customer form with the number.
    """
    link = id_urls()
    words = _words(get_language())
    callback = promise.kind == "callback"
    reply = promise.kind == "reply"
    parts = []
    if callback:
        parts.append(format_html('<span class="badge text-bg-warning">{}</span> ', words["call_back"]))
    elif reply:
        parts.append(format_html('<span class="badge text-bg-info">{}</span> ', words["reply"]))
    if promise.customer_id:
        url = link("contacts:customer-detail", promise.customer_id)
        parts.append(format_html('<a class="fw-semibold" href="{}">{}</a> ', url, promise.customer.full_name))
    else:
        parts.append(
            format_html(
                '<span class="fw-semibold">{}</span> <span class="small text-body-secondary">({})</span> ',
                phone_display(promise.number),
                words["unknown_number"],
            )
        )
    if callback:
        if promise.customer_id and promise.number:
            parts.append(format_html("· {} ", phone_display(promise.number)))
    else:
        parts.append(format_html("— {} ", promise.description))
    if promise.status == "open":
        if promise.due_at < now:
            parts.append(format_html('<span class="badge text-bg-danger">{}</span>', words["broken"]))
    elif promise.status == "kept":
        kept = words["kept_late"] if promise.kept_at > promise.due_at else words["kept"]
        parts.append(format_html('<span class="badge text-bg-success">{}</span>', kept))
    else:
        parts.append(format_html('<span class="badge text-bg-secondary">{}</span>', promise.get_status_display()))
    missed = ""
    if callback:
        times = ""
        if promise.missed_count > 1:
            count = promise.missed_count
            times = " (%s)" % (
                ngettext("called %(counter)s time", "called %(counter)s times", count) % {"counter": count}
            )
        missed = format_html("{} {}{} · ", words["missed_call"], when(promise.made_at), times)
    elif reply and promise.made_at:
        missed = format_html("{} {} · ", words["received"], when(promise.made_at))
    who = display_name(promise.owner) if promise.owner_id else words["team_queue"]
    told = ""
    if not callback and promise.status == "open" and hasattr(promise, "last_update_at"):  # the customer panel
        if promise.last_update_at is None:
            told = format_html(" · {}", words["no_update"])
        else:
            ago = _days_ago(promise.last_update_at, timezone.localdate(now))
            told = format_html(' · <span class="last-update">{}: {}</span>', words["last_update"], ago)
    line = '<div class="small text-body-secondary">{}{} {} · {}{}</div>'
    parts.append(format_html(line, missed, words["due"], when(promise.due_at), who, told))
    actions = ""
    if promise.status == "open":
        keep = link("followups:promise-keep", promise.pk)
        cancel = f"{link('followups:promise-cancel', promise.pk)}?next={_back(next_url)}"
        log = ""
        if callback:
            if promise.customer_id:
                href = f"{link('followups:contact-log', promise.customer_id)}?direction=out&channel=phone"
            else:
                href = f"{reverse('contacts:customer-create')}?phone={quote(promise.number, safe='/')}"
            log = format_html('<a class="btn btn-sm btn-primary" href="{}">{}</a> ', href, words["log_now"])
        actions = format_html(
            '<div class="d-flex gap-1 align-items-start row-actions">{}'
            '<form method="post" action="{}" hx-post="{}" hx-target="#promise-{}" hx-swap="outerHTML">'
            '{}<input type="hidden" name="next" value="{}">'
            '<button class="btn btn-sm btn-success" type="submit">{}</button></form> '
            '<a class="btn btn-sm btn-outline-secondary" href="{}" hx-get="{}" hx-target="#promise-{} .row-form" '
            'hx-swap="innerHTML">{}</a></div>',
            log, keep, keep, promise.pk, _csrf_input(csrf_token), next_url or "", words["keep"],
            cancel, cancel, promise.pk, words["cancel"],
        )  # fmt: skip
    classes = " callback-row" if callback else ""
    classes += "" if promise.status == "open" else " text-body-secondary"
    return format_html(
        '<li class="list-group-item promise-row{}" id="promise-{}">'
        '<div class="d-flex flex-wrap justify-content-between gap-2"><div>{}</div>{}</div>'
        '<div class="row-form"></div></li>\n',
        classes, promise.pk, mark_safe("".join(parts)), actions,  # noqa: S308 - each part built by format_html
    )  # fmt: skip


def team_item(item, *, kind: str, today: date, can_reassign: bool) -> SafeString:
    """An overdue check-in or broken promise on the team board (with customer, people and topic selected);
    a checkbox to reassign it for those who may."""
    words = _words(get_language())
    name = item.customer.full_name if item.customer_id else phone_display(item.number)
    select = ""
    if can_reassign:
        label = gettext("Select %(name)s") % {"name": name}
        select = format_html(
            '<input class="form-check-input mt-1" type="checkbox" name="{}s" value="{}" id="{}-{}" aria-label="{}">',
            kind, item.pk, kind, item.pk, label,
        )  # fmt: skip
    if item.customer_id:
        who = format_html(
            '<a class="fw-semibold" href="{}">{}</a>', id_url("contacts:customer-detail", item.customer_id), name
        )
    else:
        who = format_html('<span class="fw-semibold">{}</span>', name)
    if kind == "checkin":
        days = days_before(item.due_date, today)
        person = display_name(item.assignee) if item.assignee_id else words["team_queue"]
        topic = item.origin.topic
        what = format_html('<span class="badge text-bg-primary">{}</span>', item.kind_label)
        if item.promise_id:  # keep informed about an open promise (issue 13)
            what = format_html("{} “{}”", what, item.promise.description)
        due = format_html("{} {} · {}", words["due"], day(item.due_date), person)
    else:
        days = days_before(item.due_at, today)
        person = display_name(item.owner) if item.owner_id else words["team_queue"]
        topic = item.moment.topic if item.moment_id else None
        if item.kind == "callback":
            what = format_html('<span class="badge text-bg-warning">{}</span>', words["call_back"])
            due = format_html(
                "{} {} · {} {} · {}", words["missed_call"], when(item.made_at), words["due"], when(item.due_at), person
            )
        elif item.kind == "reply":
            what = format_html('<span class="badge text-bg-info">{}</span> — {}', words["reply"], item.description)
            due = format_html(
                "{} {} · {} {} · {}", words["received"], when(item.made_at), words["due"], when(item.due_at), person
            )
        else:
            what = format_html("— {}", item.description)
            due = format_html("{} {} · {}", words["due"], when(item.due_at), person)
    late = ngettext("%(days)s day late", "%(days)s days late", days) % {"days": days}
    return format_html(
        '<li class="list-group-item d-flex gap-2 align-items-start team-item">{}<div class="flex-grow-1">'
        '{} {} <span class="badge text-bg-danger">{}</span>'
        '<div class="small text-body-secondary">{}{}</div></div></li>\n',
        select, who, what, late, due, format_html(" · {}", topic.name) if topic else "",
    )  # fmt: skip


def _receiver(handover, *, user_id) -> str:
    """Whom a handover went to, as a row says it: the team, "you", or the colleague."""
    if handover.to_team_id:
        return handover.to_team.name
    return _words(get_language())["you"] if handover.to_user_id == user_id else display_name(handover.to_user)


def _handover_answer(handover) -> str:
    """What became of a handover no longer pending: who accepted it or passed it on, and when."""
    values = {"name": display_name(handover.answered_by), "when": when(handover.answered_at)}
    if handover.status == "accepted":
        return gettext("accepted by %(name)s, %(when)s") % values
    if handover.status == "passed_on":
        return gettext("passed on by %(name)s, %(when)s") % values
    return handover.get_status_display()


def handover_row(handover, *, user_id: int | None, next_url: str) -> SafeString:
    """A handover (`Handover.objects.for_rows`: customer, people and `too_long` read) in a list: who handed the
    customer over to whom, when, and the note; Accept… and Pass on… open their forms in the row."""
    link = id_urls()
    words = _words(get_language())
    pending = handover.status == "pending"
    if pending:
        badge = (
            format_html('<span class="badge text-bg-danger">{}</span>', words["waiting_too_long"])
            if handover.too_long
            else ""
        )
    else:
        badge = format_html('<span class="badge text-bg-secondary">{}</span>', _handover_answer(handover))
    actions = ""
    if pending:
        back = _back(next_url)
        accept = f"{link('followups:handover-accept', handover.pk)}?next={back}"
        pass_on = f"{link('followups:handover-pass-on', handover.pk)}?next={back}"
        target = f"#handover-{handover.pk} .row-form"
        actions = format_html(
            '<div class="d-flex gap-1 align-items-start row-actions">'
            '<a class="btn btn-sm btn-primary" href="{}" hx-get="{}" hx-target="{}" hx-swap="innerHTML">{}</a> '
            '<a class="btn btn-sm btn-outline-secondary" href="{}" hx-get="{}" hx-target="{}" '
            'hx-swap="innerHTML">{}</a></div>',
            accept, accept, target, words["accept"],
            pass_on, pass_on, target, words["pass_on"],
        )  # fmt: skip
    return format_html(
        '<li class="list-group-item handover-row{}" id="handover-{}">'
        '<div class="d-flex flex-wrap justify-content-between gap-2"><div>'
        '<a class="fw-semibold" href="{}">{}</a> <span class="badge text-bg-info">{}</span> {}'
        '<div class="small text-body-secondary">{} → {} · {}</div>'
        '<p class="handover-note mb-0 mt-1">{}</p>'
        "</div>{}</div>"
        '<div class="row-form"></div></li>\n',
        "" if pending else " text-body-secondary", handover.pk,
        link("contacts:customer-detail", handover.customer_id), handover.customer.full_name, words["handed_over"],
        badge,
        display_name(handover.from_user), _receiver(handover, user_id=user_id), when(handover.created_at),
        handover.note,
        actions,
    )  # fmt: skip


def contact_row(moment, *, user) -> SafeString:
    """A logged contact on the customer's timeline (with logged_by, topic and team selected): what, when, by
    whom, the summary, and *Correct* / *Delete…* when `followups.access.contact_rights` allows them (no query
    per row). The customer page shows 20; as a template partial they were a fifth of the page (issue 11)."""
    link = id_urls()
    words = _words(get_language())
    badges = [
        format_html('<span class="badge text-bg-secondary">{}</span>', moment.get_channel_display()),
        format_html('<span class="badge text-bg-light border">{}</span>', moment.get_direction_display()),
    ]
    if moment.topic_id:
        badges.append(format_html('<span class="fw-semibold">{}</span>', moment.topic.name))
    if moment.is_complaint:
        badges.append(format_html('<span class="badge text-bg-danger">{}</span>', words["complaint"]))
    if moment.is_compliment:
        badges.append(format_html('<span class="badge text-bg-success">{}</span>', words["compliment"]))
    if moment.imported_by_import_id:
        imported = '<span class="badge text-bg-light border imported-badge">{}</span>'
        badges.append(format_html(imported, words["imported"]))
    helped = ""
    if moment.fully_helped is True:
        helped = format_html("\n· {}", words["fully_helped"])
    elif moment.fully_helped is False:
        helped = format_html("\n· {}", words["not_fully_helped"])
    rights = contact_rights(user=user, moment=moment)
    actions = ""
    if rights.correct or rights.delete:
        links = []
        if rights.correct:
            links.append(format_html(
                '<a href="{}" class="link-secondary me-2">{}</a>',
                link("followups:contact-correct", moment.pk), words["correct"],
            ))  # fmt: skip
        if rights.delete:
            links.append(format_html(
                '<a href="{}" class="link-danger">{}</a>',
                link("followups:contact-delete", moment.pk), words["delete"],
            ))  # fmt: skip
        actions = format_html('\n<div class="small mt-1 contact-actions">{}</div>', mark_safe("".join(links)))  # noqa: S308 - each link built by format_html
    return format_html(
        '<li class="list-group-item contact-row" id="contact-{}">\n'
        '<div class="d-flex flex-wrap justify-content-between gap-2">\n<div>\n{}\n</div>\n'
        '<div class="small text-body-secondary">\n<time datetime="{}">{}</time>\n· {}{}\n</div>\n</div>\n'
        '<p class="mb-1 mt-1 summary">{}</p>\n'
        '<div class="small text-body-secondary">\n{}\n· {}: {} → {}{}\n</div>{}\n'
        "</li>\n",
        moment.pk,
        mark_safe("\n".join(badges)),  # noqa: S308 - each badge built by format_html
        timezone.localtime(moment.occurred_at).isoformat(), when(moment.occurred_at),
        display_name(moment.logged_by), format_html(" · {}", moment.team.name) if moment.team_id else "",
        linebreaksbr(moment.summary, autoescape=True),
        moment.get_outcome_display(),
        words["sentiment"], moment.get_sentiment_start_display(), moment.get_sentiment_end_display(), helped,
        actions,
    )  # fmt: skip


# The history's sentences: (item, event, with a holder / a previous holder) -> msgid, exactly the msgids the
# template's {% blocktranslate %} had, so the translations stay. `None`: the sentence without that person.
_CHECKIN_EVENTS = {
    "planned": (
        gettext_noop("planned check-in %(label)s for %(due)s, with %(holder)s"),
        gettext_noop("planned check-in %(label)s for %(due)s, in the team queue"),
    ),
    "reassigned": (
        gettext_noop("gave check-in %(label)s from %(previous)s to %(holder)s"),
        gettext_noop("gave check-in %(label)s to %(holder)s"),
    ),
    "rescheduled": gettext_noop("moved check-in %(label)s to %(due)s"),
    "skipped": gettext_noop("skipped check-in %(label)s"),
    "done": gettext_noop("did check-in %(label)s"),
    "superseded": gettext_noop("replaced check-in %(label)s by a newer one (a new contact)"),
}
_CHECKIN_CHANGED = gettext_noop("changed check-in %(label)s: due %(due)s, with %(holder)s")
_PROMISE_EVENTS = {
    "promised": (
        gettext_noop("recorded the promise “%(label)s”, due %(due)s, kept by %(holder)s"),
        gettext_noop("recorded “%(label)s”, due %(due)s, in the team queue"),
    ),
    "reassigned": (
        gettext_noop("gave the promise “%(label)s” from %(previous)s to %(holder)s"),
        gettext_noop("gave the promise “%(label)s” to %(holder)s"),
    ),
    "kept": gettext_noop("marked the promise “%(label)s” kept"),
    "called_again": gettext_noop("noted another missed call for “%(label)s”"),
    "cancelled": gettext_noop("cancelled the promise “%(label)s”"),
}
_PROMISE_CHANGED = gettext_noop("changed the promise “%(label)s”: due %(due)s, kept by %(holder)s")


def _history_sentence(change) -> SafeString:
    """What happened, in the active language: the translated sentence with its values escaped, as
    `{% blocktranslate %}` writes it."""
    holder = display_name(change.holder) if change.holder else ""
    if change.item == "checkin":
        due, events, changed = day(change.due), _CHECKIN_EVENTS, _CHECKIN_CHANGED
    else:
        due, events, changed = when(change.due), _PROMISE_EVENTS, _PROMISE_CHANGED
    msgid = events.get(change.event, changed)
    if isinstance(msgid, tuple):
        with_person, without = msgid
        person = change.previous_holder if change.event == "reassigned" else holder
        msgid = with_person if person else without
    values = {"label": change.label, "due": due, "holder": holder, "previous": change.previous_holder}
    return mark_safe(gettext(msgid) % {key: conditional_escape(value) for key, value in values.items()})  # noqa: S308 - the values escaped, the sentence ours


def history_list(changes, *, show_customer: bool, limit: int | None) -> SafeString:
    """The latest changes to check-ins and promises (followups.selectors.FollowupChange, newest first): who did
    what, when and why. On the customer page and the team board (20 each); as a template it was a sixth of the
    customer page (issue 11)."""
    words = _words(get_language())
    if not changes:
        return format_html(
            '<p class="small text-body-secondary mb-0 followup-history-empty">{}</p>\n', words["no_changes"]
        )
    link = id_urls()
    items = []
    for change in changes:
        customer = ""
        if show_customer and change.customer:
            customer = format_html(
                ' · <a href="{}">{}</a>',
                link("contacts:customer-detail", change.customer.pk), change.customer.full_name,
            )  # fmt: skip
        reason = ""
        if change.reason:
            reason = format_html(' <span class="text-body-secondary">— {}: “{}”</span>', words["why"], change.reason)
        items.append(format_html(
            '<li class="py-1 border-bottom followup-change followup-change-{}">\n'
            '<time class="text-body-secondary text-nowrap" datetime="{}">{}</time>\n'
            "· <strong>{}</strong>{}\n<div>\n{}{}\n</div>\n</li>\n",
            change.event, timezone.localtime(change.when).isoformat(), when(change.when),
            display_name(change.who) or words["the_system"], customer,
            _history_sentence(change), reason,
        ))  # fmt: skip
    more = ""
    if limit and len(changes) >= limit:
        more = format_html(
            '<p class="small text-body-secondary mt-1 mb-0">{}</p>\n',
            gettext("The latest %(limit)s changes.") % {"limit": limit},
        )
    listed = mark_safe("".join(items))  # noqa: S308 - each item built by format_html
    return format_html('<ol class="list-unstyled small mb-0 followup-history">\n{}</ol>\n{}', listed, more)


def losing_touch_row(row, *, next_url: str, csrf_token) -> SafeString:
    """A customer losing touch (followups.losing_touch.Row, with moment, handled_by and planned filled in): why,
    how long ago, who handled it, and the planned check-in or a button to plan one. 25 a page; as a template
    partial they were a sixth of the page (issue 11)."""
    link = id_urls()
    words = _words(get_language())
    date_text = day(row.at)
    if row.is_contact:
        why = gettext("Contact on %(date)s ended %(sentiment)s (%(channel)s)") % {
            "date": conditional_escape(date_text),
            "sentiment": conditional_escape(row.moment.get_sentiment_end_display().lower()),
            "channel": conditional_escape(row.moment.get_channel_display().lower()),
        }
    else:
        why = gettext("Promise “%(description)s” broken on %(date)s") % {
            "description": conditional_escape(row.promise.description),
            "date": conditional_escape(date_text),
        }
    if row.handled_by:
        handled = display_name(row.handled_by)
        if not row.handled_by.is_active:
            handled = format_html('{} <span class="badge text-bg-secondary">{}</span>', handled, words["inactive"])
    else:
        handled = words["queue"]
    if row.planned:
        planned = gettext("Planned: %(kind)s, due %(date)s") % {
            "kind": conditional_escape(row.planned_label),
            "date": conditional_escape(day(row.planned.due_date)),
        }
        assignee = display_name(row.planned.assignee) if row.planned.assignee else words["queue"]
        action = format_html(
            '<span class="losing-touch-planned">{} · {}</span>',
            mark_safe(planned),  # noqa: S308 - the values escaped, the sentence ours
            assignee,
        )
    else:
        action = format_html(
            '<form method="post" action="{}" class="losing-touch-plan">\n{}\n'
            '<input type="hidden" name="next" value="{}">\n'
            '<button type="submit" class="btn btn-sm btn-outline-primary">{}'
            '<span class="visually-hidden"> – {}</span></button>\n</form>',
            link("followups:customer-losing-touch-plan", row.customer.pk), _csrf_input(csrf_token), next_url,
            words["plan"], row.customer.full_name,
        )  # fmt: skip
    return format_html(
        '<tr class="losing-touch-row" data-kind="{}">\n'
        '<td><a href="{}">{}</a></td>\n<td>\n{}\n</td>\n<td class="text-end">{}</td>\n'
        '<td class="text-nowrap">{}</td>\n<td class="text-nowrap">{}</td>\n<td>\n{}\n</td>\n</tr>\n',
        row.kind, link("contacts:customer-detail", row.customer.pk), row.customer.full_name,
        mark_safe(why),  # noqa: S308 - the values escaped, the sentence ours
        row.days, row.team.name if row.team else "", handled, action,
    )  # fmt: skip

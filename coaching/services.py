"""Every write of the coaching app: sending a thank-you note, dismissing it, and forgetting an erased customer."""

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcare import outbox
from contactcare.models import Notification
from contacts.models import ContactMoment, Team
from contacts.normalize import text_normalize
from followups.sweeps import SAY_YOU_SEE_IT
from reports.weeks import IsoWeek

from .models import SeenIs, ThankYouNote
from .selectors import may_see_team, worth_thanks

TEXT_MAX_LENGTH = 500
NOTIFICATION_KEY = "thanks:"  # "thanks:<the note's id>"
WEEK_KEY = "seen:"  # "seen:<team id>:<week>": a lead's weekly "say you see it" notice


def default_message(*, person) -> str:
    """The kind words the form is prefilled with, in the language that is active (the lead's)."""
    name = person.first_name or person.get_username()
    return _(
        "Thank you, %(name)s. I saw the compliments and the conversations you turned around last week: "
        "that is what makes the difference for our customers."
    ) % {"name": name}


def _text_check(text: str, customers: list) -> str:
    text = text_normalize(text, multiline=True)
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("At most %(max)d characters (this is %(length)d).")
                % {"max": TEXT_MAX_LENGTH, "length": len(text)}
            }
        )
    folded = text.casefold()
    names = {name for customer in customers for name in (customer.full_name, customer.preferred_address)}
    # Shorter than three characters ("Jo") is in any sentence: not a sign of the person.
    if any(name and len(name) >= 3 and name.casefold() in folded for name in names):
        raise ValidationError({"text": _("Leave the customer's name out: the note is about your colleague.")})
    return text


def _notify(note: ThankYouNote) -> None:
    subject, body = outbox.notice_text("coaching/notifications/thank_you.txt", {"note": note})
    outbox.enqueue(
        [
            Notification(
                recipient=note.recipient,
                kind=Notification.Kind.THANK_YOU,
                key=f"{NOTIFICATION_KEY}{note.pk}",
                subject=subject,
                body=body,
                link=reverse("followups:my-day"),
                next_attempt_at=timezone.now(),
            )
        ]
    )


@transaction.atomic
def thank_you_send(*, actor, recipient, team: Team, week: IsoWeek, text: str = "") -> tuple[ThankYouNote, bool]:
    """`actor` (the team's lead, or a manager) thanks `recipient` for `week`'s compliments and turned-around
    contacts with `team`: (the note, whether it is new). Once per sender, person and week: a second send (a
    double click) returns the first note and writes nothing. An empty text becomes the kind default words.
    The person is told through the outbox and sees the note on My day."""
    if not (may_see_team(user=actor, team=team) and actor.has_perm("coaching.add_thankyounote")):
        raise PermissionDenied
    if not team.members.filter(pk=recipient.pk, is_active=True).exists():
        raise PermissionDenied
    existing = ThankYouNote.objects.filter(sender=actor, recipient=recipient, week=week.monday).first()
    if existing is not None:
        return existing, False
    contacts = list(worth_thanks(team=team, person_ids=[recipient.pk], week=week).select_related("customer"))
    if not contacts:  # the kind words speak of them: a note about nothing would ring hollow
        raise ValidationError(_("There were no compliments or turned-around contacts to thank for in that week."))
    text = _text_check(text, [contact.customer for contact in contacts]) or default_message(person=recipient)
    note, created = ThankYouNote.objects.get_or_create(
        sender=actor,
        recipient=recipient,
        week=week.monday,
        defaults={
            "team": team,
            "text": text,
            "compliments": sum(1 for c in contacts if SeenIs.is_compliment(c)),
            "turned_around": sum(1 for c in contacts if SeenIs.is_turned_around(c)),
        },
    )
    if created:
        note.contacts.set(contacts)
        _notify(note)
    return note, created


@transaction.atomic
def thank_you_seen(*, note: ThankYouNote, actor, now: datetime) -> None:
    """The person dismisses a note on My day (only their own; seen once, the first time counts)."""
    if note.recipient_id != actor.pk:
        raise PermissionDenied
    ThankYouNote.objects.filter(pk=note.pk, seen_at__isnull=True).update(seen_at=now)


def thank_you_notes_forget(*, customer_ids: list[int], texts: list[str], neutral: str) -> None:
    """Erasing a customer (followups.privacy.customer_erase): the notes no longer link the person's contacts,
    and a line of a note's text that names them becomes `neutral`. The notes stay: the thanks were for the
    colleague, and their counts are anonymous."""
    ThankYouNote.contacts.through.objects.filter(contactmoment__customer_id__in=customer_ids).delete()
    if not texts:
        return
    mentions = Q()
    for text in texts:
        mentions |= Q(text__icontains=text)
    changed = []
    for note in ThankYouNote.objects.filter(mentions):
        lines = note.text.split("\n")
        note.text = "\n".join(
            neutral if any(t.casefold() in line.casefold() for t in texts) else line for line in lines
        )
        changed.append(note)
    ThankYouNote.objects.bulk_update(changed, ["text"])


def say_you_see_it_notices(*, now: datetime) -> int:
    """Tell each team lead, once a week, what there is to see in their team last week: the compliments and the
    turned-around contacts (SeenIs), counted (never ranked), with a link to *Say you see it* where one click
    thanks the person. From Monday WEEKLY_REPORT_TIME, like the weekly report; a later run catches up, and the
    unique (lead, kind, "seen:<team>:<week>") key keeps it to one notice per lead, team and week. Teams with
    nothing to see, or without an active lead, get none. Three queries and one INSERT, whatever the size.
    Returns how many notices were written."""
    this_week = IsoWeek.containing(timezone.localdate(now))
    send_from = timezone.make_aware(datetime.combine(this_week.monday, time.fromisoformat(settings.WEEKLY_REPORT_TIME)))
    if now < send_from:
        return 0
    week = this_week.previous()
    teams = {team.pk: team for team in Team.objects.filter(lead__is_active=True).select_related("lead")}
    if not teams:
        return 0
    counts = (
        ContactMoment.objects.alive()
        .filter(SeenIs.worth_thanks(), team__in=list(teams), occurred_at__gte=week.start, occurred_at__lt=week.end)
        .values("team")
        .annotate(
            compliments=Count("pk", filter=SeenIs.compliment()),
            turned=Count("pk", filter=SeenIs.turned_around()),
            people=Count("logged_by", distinct=True),
        )
        .order_by()
    )
    keys = {team: f"{WEEK_KEY}{team}:{week.label}" for team in teams}
    told = set(
        Notification.objects.filter(kind=Notification.Kind.SAY_YOU_SEE_IT, key__in=keys.values()).values_list(
            "recipient_id", "key"
        )
    )
    rows = []
    for row in counts:
        team = teams[row["team"]]
        if (team.lead_id, keys[team.pk]) in told:
            continue
        context = {"team": team, "week": week, "row": row}
        subject, body = outbox.notice_text("coaching/notifications/say_you_see_it.txt", context)
        rows.append(
            Notification(
                recipient=team.lead,
                kind=Notification.Kind.SAY_YOU_SEE_IT,
                key=keys[team.pk],
                subject=subject,
                body=body,
                link=f"{reverse('coaching:say-you-see-it')}?team={team.pk}",
                next_attempt_at=now,
                created_at=now,
            )
        )
    if rows:
        outbox.enqueue(rows)
    return len(rows)


def say_you_see_it_sweep() -> int:
    return outbox.run(SAY_YOU_SEE_IT, lambda now: say_you_see_it_notices(now=now))

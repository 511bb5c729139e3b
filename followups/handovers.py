"""Handing a customer over to a colleague or a team (issue 13): the only writes of `Handover`, and its reads.

*Ken je organisatie*, *doorverbinden*: when someone else must help, the
customer is handed over in time, with a note saying what they need and what
was tried, so the colleague does not start from zero and the customer does
not tell the story twice.

- `handover_create` (from the customer page, or the log form when the
  customer was not fully helped) writes a pending handover and tells the
  receiver (in the app and by e-mail, through the outbox);
- `handover_accept` makes the accepter the holder of the open check-ins and
  promises they choose (through `services.followups_give`, as a team lead's
  reassignment does) and closes the handover;
- `handover_pass_on` closes it as passed on and writes the next handover of
  the chain, with its own note;
- `handovers_escalate` (a beat sweep) tells the receiving team's lead, once,
  about every handover that waits too long (`HandoverIs.waiting_too_long`).

Every write locks the handover's row: of two people accepting at once one
wins, and the other hears who did. "Pending" and "waiting too long" are
`HandoverIs`; the time limits are `planning.handover_accept_by`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcare.formats import when
from contactcare.prepared import PreparedRead
from contactcare.services import submission_claim, submission_complete
from contactcare.templatetags.contactcare import display_name
from contacts.models import ContactMoment, Customer, Team
from contacts.normalize import text_normalize
from contacts.services import validate

from . import access, notifications
from .models import CheckIn, Handover, HandoverIs, Promise
from .planning import handover_accept_by

User = get_user_model()
PANEL_LIMIT = 10  # handovers (steps of chains) the customer panel shows, newest first


@dataclass(frozen=True)
class Receiver:
    """Whom a customer is handed to: a colleague, or a team (exactly one)."""

    user: object = None
    team: Team | None = None

    def __post_init__(self):
        if (self.user is None) == (self.team is None):
            raise ValueError("a handover goes to a colleague or to a team, one of the two")

    @property
    def label(self) -> str:
        return self.team.name if self.team is not None else display_name(self.user)

    @property
    def value(self) -> str:
        """As a form's choice carries it: "team:3", "user:12"."""
        return f"team:{self.team.pk}" if self.team is not None else f"user:{self.user.pk}"


# --- Reads ---------------------------------------------------------------------------


def receiver_choices(*, actor) -> tuple[QuerySet[Team], QuerySet]:
    """Whom `actor` may hand a customer to: every team, and every active colleague in a team (not themselves)."""
    teams = Team.objects.order_by("name")
    people = (
        User.objects.filter(is_active=True, teams__isnull=False)
        .exclude(pk=actor.pk)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return teams, people


# Whether a customer was ever handed over: most never were, and for them this is all the panel asks (compiled
# once per process, contactcare.prepared), where building the query of their chains cost 5 ms (issue 11).
_EVER_HANDED_OVER = PreparedRead(
    lambda *, customer_id: Handover.objects.filter(customer_id=customer_id).values_list("pk")[:1]
)


def customer_handover_chains(*, customer: Customer, user, now: datetime, limit: int = PANEL_LIMIT) -> list[list]:
    """The customer's latest handovers as chains (newest chain first, each oldest step first): one query for
    a customer never handed over, two otherwise.

    Each step knows whether it waits too long (`too_long`, HandoverIs) and whether `user` may accept or
    pass it on (`may_act`, the rule of `access.handovers_for`).
    """
    if not _EVER_HANDED_OVER.rows(customer_id=customer.pk):
        return []
    steps = list(
        Handover.objects.for_rows(now)
        .filter(customer=customer)
        .annotate(may_act=Exists(access.handovers_for(user=user).filter(pk=OuterRef("pk"))))
        .order_by("-created_at", "-pk")[:limit]
    )
    chains: dict[int, list] = {}
    for step in steps:  # newest first: a chain's place is that of its newest step
        chains.setdefault(step.chain_id, []).append(step)
    return [list(reversed(chain)) for chain in chains.values()]


def handover_row(*, pk: int, now: datetime) -> Handover:
    """One handover as a row shows it (followups.rows.handover_row), after an action on it."""
    return Handover.objects.for_rows(now).get(pk=pk)


def handover_open_items(*, handover: Handover) -> tuple[list[CheckIn], list[Promise]]:
    """The customer's open check-ins and promises, which the accepter may take (two queries)."""
    checkins = CheckIn.objects.open().filter(customer_id=handover.customer_id)
    promises = Promise.objects.open().filter(customer_id=handover.customer_id)
    return (
        list(checkins.select_related("assignee").order_by("due_date", "pk")),
        list(promises.select_related("owner").order_by("due_at", "pk")),
    )


# --- Rules ---------------------------------------------------------------------------


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A refusal on one field that keeps its code (a form asks `has_error(field, code)`)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _note_checked(note: str) -> str:
    """What the customer needs and what was tried: required, at most NOTE_MAX_LENGTH (refused, never cut)."""
    note = text_normalize(note, multiline=True)
    if not note:
        raise field_error(
            "note", _("Say what the customer needs and what was tried, so nobody starts from zero."), "required"
        )
    if len(note) > Handover.NOTE_MAX_LENGTH:
        message = _("Keep the note to %(max)s characters (it has %(n)s).")
        raise field_error("note", message % {"max": Handover.NOTE_MAX_LENGTH, "n": len(note)}, "max_length")
    return note


def _receiving_team(user, actor) -> Team | None:
    """A colleague's team, whose lead hears when the handover waits: the one they share with `actor`, else the
    first by name of the teams they are a member of (or lead)."""
    teams = list(Team.objects.filter(Q(members=user) | Q(lead=user)).distinct().order_by("name"))
    shared = set(Team.objects.filter(members=actor).values_list("pk", flat=True))
    return next((team for team in teams if team.pk in shared), teams[0] if teams else None)


def _receiver_checked(to: Receiver, *, actor) -> Team | None:
    """The receiving team; a receiver nobody could answer for is refused (on "to")."""
    if to.user is not None:
        if to.user.pk == actor.pk:
            raise field_error("to", _("Hand the customer over to someone else than yourself."), "self")
        if not to.user.is_active:
            raise field_error("to", _("This colleague can no longer take handovers."), "inactive")
        return _receiving_team(to.user, actor)
    has_someone = User.objects.filter(Q(teams=to.team) | Q(led_teams=to.team), is_active=True).exists()
    if not has_someone:
        raise field_error("to", _("Nobody in this team could accept it: choose another."), "empty_team")
    return to.team


def _customer_checked(customer: Customer) -> Customer:
    """The customer, locked (as logging locks it); a merged or erased one cannot be handed over."""
    from .privacy import customer_is_erased  # privacy imports this module (erasing withdraws handovers)

    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.merged_into_id is not None:
        raise ValidationError(
            _("This customer was merged into another one meanwhile; open the customer again."), code="merged"
        )
    if customer_is_erased(customer):
        raise ValidationError(_("This customer has been erased."), code="erased")
    return customer


def _pending_to(customer: Customer, to: Receiver) -> Handover | None:
    same = Q(to_user=to.user) if to.user is not None else Q(to_team=to.team)
    return Handover.objects.pending().filter(same, customer=customer).select_related("from_user").first()


def _already_waiting(existing: Handover, to: Receiver, customer: Customer) -> ValidationError:
    message = _("%(customer)s is already waiting for %(to)s (handed over by %(by)s, %(when)s).") % {
        "customer": customer.full_name,
        "to": to.label,
        "by": display_name(existing.from_user),
        "when": when(existing.created_at),
    }
    return field_error("to", message, "already_waiting")


def _write(
    *, customer: Customer, actor, to: Receiver, note: str, moment, previous: Handover | None, now: datetime
) -> Handover:
    """A new pending handover (checked), and the receiver told."""
    note = _note_checked(note)
    team = _receiver_checked(to, actor=actor)
    existing = _pending_to(customer, to)
    if existing is not None:
        raise _already_waiting(existing, to, customer)
    handover = Handover(
        customer=customer,
        moment=moment,
        previous=previous,
        first_id=(previous.first_id or previous.pk) if previous is not None else None,
        from_user=actor,
        to_user=to.user,
        to_team=to.team,
        team=team,
        note=note,
        created_at=now,
        chain_started_at=previous.chain_started_at if previous is not None else now,
        accept_by=handover_accept_by(now),
    )
    validate(handover, exclude=["customer", "moment", "previous", "first", "from_user", "to_user", "to_team", "team"])
    try:
        with transaction.atomic():  # a savepoint: the same handover made at the same moment by a second request
            handover.save()
    except IntegrityError:
        existing = _pending_to(customer, to)
        if existing is None:
            raise
        raise _already_waiting(existing, to, customer) from None
    notifications.handover_received(handover=handover)
    return handover


def _answerable(handover: Handover, actor) -> Handover:
    """The handover, locked, if `actor` may still answer it; else why not (who accepted it, or passed it on)."""
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("customer", "answered_by", "to_user", "to_team")
        .get(pk=handover.pk)
    )
    if not access.handovers_for(user=actor).filter(pk=handover.pk).exists():
        raise ValidationError(_("This handover is for someone else."), code="not_yours")
    if handover.status == Handover.Status.ACCEPTED:
        if handover.answered_by_id == actor.pk:
            raise ValidationError(
                _("You accepted this handover already (%(when)s).") % {"when": when(handover.answered_at)},
                code="accepted_by_you",
            )
        raise ValidationError(
            _("%(name)s accepted this handover already (%(when)s).")
            % {"name": display_name(handover.answered_by), "when": when(handover.answered_at)},
            code="accepted",
        )
    if handover.status == Handover.Status.PASSED_ON:
        following = Handover.objects.select_related("to_user", "to_team").get(previous=handover)
        raise ValidationError(
            _("%(name)s passed this handover on to %(to)s already (%(when)s).")
            % {
                "name": display_name(handover.answered_by),
                "to": following.to_team.name if following.to_team_id else display_name(following.to_user),
                "when": when(handover.answered_at),
            },
            code="passed_on",
        )
    if handover.status != Handover.Status.PENDING:
        raise ValidationError(_("This handover was withdrawn."), code="withdrawn")
    return handover


# --- Writes --------------------------------------------------------------------------


@transaction.atomic
def handover_create(
    *,
    customer: Customer,
    actor,
    to: Receiver,
    note: str,
    moment: ContactMoment | None = None,
    submission_key=None,
    now: datetime | None = None,
) -> Handover:
    """Hand `customer` over to a colleague or a team with a note; the receiver is told (in the app, by e-mail).

    Refused (ValidationError on "note" or "to"): an empty note or one longer
    than NOTE_MAX_LENGTH, oneself, a colleague who left, a team nobody could
    answer for, a merged or erased customer, and a second pending handover of
    the customer to the same receiver (a database constraint backs this: two
    at once make one). With `submission_key`, a repeat of the same form
    raises AlreadySubmitted with the handover.
    """
    submission = submission_claim(actor=actor, key=submission_key)
    customer = _customer_checked(customer)
    handover = _write(
        customer=customer, actor=actor, to=to, note=note, moment=moment, previous=None, now=now or timezone.now()
    )
    submission_complete(submission, handover)
    return handover


@transaction.atomic
def handover_accept(*, handover: Handover, actor, items: Iterable = (), now: datetime | None = None) -> Handover:
    """`actor` accepts the handover and becomes the holder of `items`, the customer's open check-ins and
    promises they chose (others, and items no longer open, are left alone).

    Who may: see `access.handovers_for`. The items move through
    `services.followups_give`, with "reassigned to …" and the actor in their
    history (a promise's new owner is not told: they took it themselves).
    Of two people accepting at once the first wins; the second gets a
    ValidationError naming who accepted it ("accepted"), and someone who
    clicks twice hears they did already ("accepted_by_you").
    """
    from .services import followups_give  # services imports this module (logging a "no" hands over)

    handover = _answerable(handover, actor)
    items = list(items)
    checkin_ids = [item.pk for item in items if isinstance(item, CheckIn)]
    promise_ids = [item.pk for item in items if isinstance(item, Promise)]
    followups_give(
        checkins=CheckIn.objects.filter(customer_id=handover.customer_id, pk__in=checkin_ids),
        promises=Promise.objects.filter(customer_id=handover.customer_id, pk__in=promise_ids),
        to_user=actor,
        actor=actor,
    )
    handover.status = Handover.Status.ACCEPTED
    handover.answered_at = now or timezone.now()
    handover.answered_by = actor
    handover.save(update_fields=["status", "answered_at", "answered_by"])
    return handover


@transaction.atomic
def handover_pass_on(
    *, handover: Handover, actor, to: Receiver, note: str, submission_key=None, now: datetime | None = None
) -> Handover:
    """`actor` passes the handover on to someone else, with a note of their own; returns the new handover.

    The handover becomes "passed on"; the new one continues its chain (same
    customer, same start) and is told to its receiver. Passing on to whom it
    is with already is refused ("same"), so are the rules of `handover_create`
    and those of `handover_accept` (who may, and who answered first).
    """
    submission = submission_claim(actor=actor, key=submission_key)
    now = now or timezone.now()
    customer = _customer_checked(handover.customer)  # locked first, as when handing over and logging
    handover = _answerable(handover, actor)
    if (to.user is not None and to.user.pk == handover.to_user_id) or (
        to.team is not None and to.team.pk == handover.to_team_id
    ):
        raise field_error("to", _("It is with %(to)s already: choose someone else.") % {"to": to.label}, "same")
    following = _write(customer=customer, actor=actor, to=to, note=note, moment=None, previous=handover, now=now)
    handover.status = Handover.Status.PASSED_ON
    handover.answered_at = now
    handover.answered_by = actor
    handover.save(update_fields=["status", "answered_at", "answered_by"])
    submission_complete(submission, following)
    return following


def handovers_withdraw(*, handovers: QuerySet[Handover], actor, now: datetime | None = None) -> int:
    """Withdraw pending `handovers` (their contact was deleted, their customer erased): nobody is to take them."""
    return handovers.filter(HandoverIs.pending()).update(
        status=Handover.Status.WITHDRAWN, answered_at=now or timezone.now(), answered_by=actor
    )


def handovers_move(*, handovers: QuerySet[Handover], customer: Customer, actor, now: datetime | None = None) -> int:
    """`handovers` now concern `customer` (a contact moved to them, or a merge): returns how many moved.

    A pending one whose receiver already has one of `customer` pending is withdrawn instead: the receiver
    takes the customer once (and the database holds one pending handover per customer and receiver).
    """
    theirs = Handover.objects.pending().filter(customer=customer)
    duplicate = Q(to_user__in=theirs.exclude(to_user=None).values("to_user")) | Q(
        to_team__in=theirs.exclude(to_team=None).values("to_team")
    )
    mine = handovers.exclude(customer=customer)
    handovers_withdraw(handovers=mine.filter(HandoverIs.pending() & duplicate), actor=actor, now=now)
    return mine.update(customer=customer)


def handovers_escalate(*, now: datetime) -> int:
    """Tell the lead of each handover's receiving team, once, that it waits too long; returns how many were told.

    Set-based: the handovers waiting too long (`HandoverIs.waiting_too_long`)
    whose lead has not had the notice are read in one query and the notices
    written in one INSERT; their unique key (lead, kind, "handover:<id>")
    keeps a second run, or two at once, from telling anyone twice. A team
    without an active lead has nobody to tell: the handover stays on My day
    and the team board.
    """
    return notifications.handovers_waiting(handovers=Handover.objects.waiting_too_long(now), now=now)

"""Every write of the follow-up engine: logging a contact with its promises and check-ins, and the work on them.

Each service takes its `actor` (the person, or `contactcare.services.system_user()`
for tasks and commands) and records it in the history rows it writes.
"""

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from contactcare.formats import day
from contactcare.services import submission_claim, submission_complete
from contacts.models import ContactMoment, Customer, Topic
from contacts.normalize import phone_normalize, text_normalize
from contacts.repeats import contact_counted_change
from contacts.services import (
    contact_moment_clean,
    contact_moment_create,
    customer_last_contact_refresh,
    validate,
    with_actor,
)

from . import handovers, keep_informed, notifications, planning, signals, webhook_events
from .models import (
    CheckIn,
    CheckInIs,
    CheckInPolicy,
    DeskSettings,
    Handover,
    Promise,
    PromiseIs,
    update_to_customer,
)
from .planning import (
    business_hours_add,
    country_supported,
    desk_opening_hours,
    due_date,
    non_business_day,
    offsets_parse,
)
from .replies import reply_due

logger = logging.getLogger(__name__)
User = get_user_model()
REASON_MAX_LENGTH = 200  # as the reason fields of check-ins and promises
DEFAULT_HOLIDAY_COUNTRY = "NL"  # as CheckInPolicy.holiday_country


def horizon(now: datetime | None = None) -> datetime:
    """The furthest a promise may be due or a check-in moved: FOLLOWUP_HORIZON_DAYS ahead."""
    return (now or timezone.now()) + timedelta(days=settings.FOLLOWUP_HORIZON_DAYS)


def _validate_reason(instance, field: str, *, exclude) -> None:
    """The model's rules, with the error on `reason`, the name the forms and callers use."""
    try:
        validate(instance, exclude=exclude)
    except ValidationError as error:
        raise ValidationError(
            {("reason" if name == field else name): errors for name, errors in error.error_dict.items()}
        ) from error


def _reason_required(reason: str, message: str) -> str:
    reason = text_normalize(reason)
    if not reason:
        raise ValidationError({"reason": message}, code="required")
    return reason


# --- Logging a contact --------------------------------------------------------


@transaction.atomic
def contact_log(
    *,
    customer: Customer,
    actor,
    logged_by=None,
    promises: Iterable[dict] = (),
    checkin: CheckIn | None = None,
    submission_key=None,
    call_id: int | None = None,
    next_step: str = "",
    handover_to=None,
    **fields,
) -> ContactMoment:
    """Log a contact moment with its promises and check-ins: all written together, or nothing.

    Logging for one customer is serialised on the customer's row, so two
    people logging at once both succeed and the check-ins follow the newest
    contact. A contact that completes a planned check-in (`checkin`, from
    "Call now") marks it done instead of planning new ones. With
    `submission_key`, a repeat of the same form (double click, Back + save)
    raises AlreadySubmitted with the contact it logged. Nothing here needs the
    broker; notifications are rows, e-mailed by the dispatch sweep.

    An outbound phone call keeps the customer's open callbacks (`callbacks_keep`).
    An outbound contact on any channel is an update to the customer: it keeps
    their open reply-by promises (`replies_keep`) and completes the keep-informed
    check-ins of their open promises (`keep_informed.updates_given`); an inbound
    one on a channel with a reply term owes them a reply (`reply_promise_for_contact`).
    The next keep-informed check-ins of the customer's open promises are planned
    (`keep_informed.updates_plan`). Once committed, `signals.contact_logged` is sent
    with `call_id` (the telephone call the form was opened for, None otherwise):
    the cti app links its call.

    Say what happens next (issue 13): a customer not fully helped
    (`fully_helped=False`) leaves with `next_step`, what happens next, and
    with a promise or a handover: a "no" with neither is refused (on
    "next_step"). With `handover_to` (a `handovers.Receiver`) the customer is
    handed over in the same transaction, `next_step` being its note.
    """
    promises = list(promises)
    _next_step_checked(
        next_step, not_helped=fields.get("fully_helped") is False, promised=bool(promises), handover_to=handover_to
    )
    submission = submission_claim(actor=actor, key=submission_key)
    merged_into = Customer.objects.select_for_update().filter(pk=customer.pk).values_list("merged_into", flat=True)
    if merged_into.first() is not None:  # merged while the form was open: its page now leads to the survivor
        raise ValidationError(
            _("This customer was merged into another one meanwhile; open the customer again and log it there."),
            code="merged",
        )
    logged_by = logged_by or actor
    moment = contact_moment_create(customer=customer, logged_by=logged_by, actor=actor, **fields)
    for index, promise in enumerate(promises):
        try:
            promise_make(moment=moment, actor=actor, **promise)
        except ValidationError as error:
            error.promise_index = index  # which of the promises the form should mark
            raise
    if checkin is not None:
        checkin_complete(checkin=checkin, moment=moment, actor=actor)
    else:
        checkins_plan(moment=moment, actor=actor)
    if moment.channel == ContactMoment.Channel.PHONE and moment.direction == ContactMoment.Direction.OUTBOUND:
        callbacks_keep(moment=moment, customer=customer, actor=actor)
    desk = planning.desk()
    if moment.direction == ContactMoment.Direction.OUTBOUND:
        # The replies it keeps first: their keep-informed check-ins close with them (no update was owed any
        # more); then the check-ins of the promises still open are done by this update.
        replies_keep(moment=moment, actor=actor)
        keep_informed.updates_given(moment=moment, actor=actor)
    else:
        reply_promise_for_contact(moment=moment, actor=actor, desk=desk)
    keep_informed.updates_plan(
        promises=Promise.objects.filter(customer_id=moment.customer_id), actor=actor, now=timezone.now(), desk=desk
    )
    if handover_to is not None:
        try:
            handovers.handover_create(customer=customer, actor=actor, to=handover_to, note=next_step, moment=moment)
        except ValidationError as error:  # the note is what the form calls "what happens next"
            raise _renamed(error, {"note": "next_step", "to": "handover_to"}) from error
    submission_complete(submission, moment)
    webhook_events.contact_logged(moment)
    transaction.on_commit(lambda: signals.contact_logged.send(sender=None, moment=moment, actor=actor, call_id=call_id))
    return moment


def _next_step_checked(next_step: str, *, not_helped: bool, promised: bool, handover_to) -> None:
    """A "no" to "fully helped?" never ends without what happens next, and a promise or a handover.

    What happens next is at most a handover note long (it may become one), refused with its length, never cut.
    """
    next_step = text_normalize(next_step or "", multiline=True)
    if len(next_step) > Handover.NOTE_MAX_LENGTH:
        message = _("Keep what happens next to %(max)s characters (it has %(n)s).")
        raise handovers.field_error(
            "next_step", message % {"max": Handover.NOTE_MAX_LENGTH, "n": len(next_step)}, "max_length"
        )
    if not not_helped:
        return
    if not next_step:
        message = _("The customer was not fully helped: say what happens next.")
        raise handovers.field_error("next_step", message, "required")
    if not promised and handover_to is None:
        message = _(
            "Make what happens next a promise, or hand the customer over: "
            "a customer who was not fully helped does not leave without one."
        )
        raise handovers.field_error("next_step", message, "no_next_way")


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The same errors, on the fields the caller's form knows them by."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(name, name): errors for name, errors in error.error_dict.items()})


# --- Correcting and deleting a contact -----------------------------------------

CORRECTABLE_FIELDS = (
    "customer",
    "channel",
    "direction",
    "occurred_at",
    "topic",
    "summary",
    "outcome",
    "fully_helped",
    "sentiment_start",
    "sentiment_end",
    "is_complaint",
    "is_compliment",
    "team",
)


def _reason_checked(reason: str, message: str) -> str:
    """A required reason, tidy and within REASON_MAX_LENGTH (refused with its length, never cut)."""
    reason = _reason_required(reason, message)
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason to %(max)s characters (it has %(n)s).")
                % {"max": REASON_MAX_LENGTH, "n": len(reason)}
            },
            code="max_length",
        )
    return reason


def _contact_open_or_error(moment: ContactMoment) -> None:
    if moment.deleted_at is not None:
        raise ValidationError(_("This contact was deleted."), code="deleted")


def _followups_move(*, moment: ContactMoment, customer: Customer, actor, reason: str) -> None:
    """Move the open check-ins and promises of `moment` to `customer`, keeping one open check-in per kind.

    As when planning: of two open check-ins of one kind, the one whose origin
    contact happened later stays and the other is superseded by it (a tie goes
    to the moved one, the newer plan).
    """
    # Promises first: a reply-by promise that joins one the customer already waits for is cancelled here, and
    # its keep-informed check-in with it, so that stays where its promise stays.
    for promise in Promise.objects.open().select_for_update().filter(moment=moment):
        if not reply_room_make(promise, customer_id=customer.pk, team_id=promise.team_id, actor=actor):
            continue
        promise.customer = customer
        with_actor(promise, actor, reason).save(update_fields=["customer"])
    mine = list(CheckIn.objects.open().select_for_update().filter(origin=moment))
    theirs = {
        checkin.kind: checkin
        for checkin in CheckIn.objects.open()
        .select_for_update(of=("self",))
        .select_related("origin")
        .filter(customer=customer, kind__in=[c.kind for c in mine])
        .exclude(CheckInIs.keep_informed())  # one per promise, not per customer: they move with their promise
    }
    now = timezone.now()
    for checkin in mine:
        other = None if checkin.is_keep_informed else theirs.get(checkin.kind)
        if other is not None and other.origin.occurred_at > moment.occurred_at:
            checkin.status, checkin.closed_at, checkin.superseded_by = CheckIn.Status.SUPERSEDED, now, other
        elif other is not None:
            other.status, other.closed_at, other.superseded_by = CheckIn.Status.SUPERSEDED, now, checkin
            with_actor(other, actor, "superseded").save(update_fields=["status", "closed_at", "superseded_by"])
        checkin.customer = customer
        with_actor(checkin, actor, reason).save(update_fields=["customer", "status", "closed_at", "superseded_by"])
    # A handover made in the contact, still waiting, is about the same customer as the contact.
    handovers.handovers_move(handovers=Handover.objects.filter(moment=moment), customer=customer, actor=actor)


def _followups_team_follow(*, moment: ContactMoment, old_team_id, actor, reason: str) -> None:
    """Open check-ins and promises that went to the contact's team go to its corrected team (promises first: one
    that joins a reply already owed there is cancelled, with its keep-informed check-in)."""
    for model, related in ((Promise, "moment"), (CheckIn, "origin")):
        for item in model.objects.open().select_for_update().filter(**{related: moment}, team_id=old_team_id):
            if model is Promise and not reply_room_make(
                item, customer_id=item.customer_id, team_id=moment.team_id, actor=actor
            ):
                continue
            item.team_id = moment.team_id
            with_actor(item, actor, reason).save(update_fields=["team"])


@transaction.atomic
def contact_correct(*, moment: ContactMoment, actor, reason: str, **fields) -> ContactMoment:
    """Correct a logged contact; the change and its reason go into the contact's history, with `actor`.

    The same rules as logging (contacts.services.contact_moment_clean). A
    contact moved to another customer takes its open check-ins and promises
    along (see _followups_move); a corrected team takes the open ones that
    went to the old team. Reports count from the rows, so they follow when
    read again. Returns the moment; nothing is written when nothing changed.
    """
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise TypeError(f"contact_correct() got unexpected fields: {', '.join(sorted(unknown))}")
    reason = _reason_checked(reason, _("Say why the contact is corrected."))
    moment = ContactMoment.objects.select_for_update().get(pk=moment.pk)
    _contact_open_or_error(moment)
    target = fields.get("customer")
    moving = target is not None and target.pk != moment.customer_id
    if moving:
        # Logging for a customer is serialised on its row; lock both, in one order, as logging does.
        locked = Customer.objects.select_for_update().filter(pk__in=[moment.customer_id, target.pk])
        list(locked.order_by("pk").values_list("pk", flat=True))
        if CheckIn.objects.filter(done_moment=moment).exists():
            raise ValidationError(
                {"customer": _("This contact completed a check-in of this customer; it cannot move to another.")},
                code="completed_checkin",
            )
    before = {name: getattr(moment, name + "_id" if name in ("customer", "topic", "team") else name) for name in fields}
    old_team_id = moment.team_id
    counted_before = ContactMoment(
        customer_id=moment.customer_id,
        occurred_at=moment.occurred_at,
        team_id=old_team_id,
        logged_by_id=moment.logged_by_id,
    )
    for name, value in fields.items():
        setattr(moment, name, value)
    contact_moment_clean(moment, now=timezone.now(), when_changed=moment.occurred_at != before.get("occurred_at"))
    after = {name: getattr(moment, name + "_id" if name in ("customer", "topic", "team") else name) for name in fields}
    if before == after:
        return moment
    with_actor(moment, actor, reason).save()
    if moment.occurred_at != counted_before.occurred_at:
        Promise.objects.filter(moment=moment).update(made_at=moment.occurred_at)
    contact_counted_change(moment, before=counted_before)  # repeat flags and the report's summary follow
    if moving:
        _followups_move(moment=moment, customer=target, actor=actor, reason=reason)
    if moment.team_id != old_team_id:
        _followups_team_follow(moment=moment, old_team_id=old_team_id, actor=actor, reason=reason)
    for customer_id in {before.get("customer", moment.customer_id), moment.customer_id}:
        customer_last_contact_refresh(customer_id=customer_id)
    return moment


@transaction.atomic
def contact_delete(*, moment: ContactMoment, actor, reason: str) -> ContactMoment:
    """Delete a logged contact (softly: check-ins and promises keep pointing at it, and its history stays).

    The promises made in it that are still open are cancelled and the
    check-ins it planned that are still open are skipped, each with `reason`.
    From then on it is left out of the timeline, search, the reports and
    their downloads (ContactMoment.objects.alive()).
    """
    reason = _reason_checked(reason, _("Say why the contact is deleted."))
    moment = ContactMoment.objects.select_for_update().get(pk=moment.pk)
    _contact_open_or_error(moment)
    moment.deleted_at = timezone.now()
    moment.deleted_by = actor
    moment.deletion_reason = reason
    with_actor(moment, actor, reason).save(update_fields=["deleted_at", "deleted_by", "deletion_reason"])
    contact_counted_change(moment)  # it counts nowhere now, nor as the earlier contact of a repeat
    for promise in Promise.objects.open().filter(moment=moment):
        promise_cancel(promise=promise, reason=reason, actor=actor)
    for checkin in CheckIn.objects.open().filter(origin=moment):
        checkin_skip(checkin=checkin, reason=reason, actor=actor)
    handovers.handovers_withdraw(handovers=Handover.objects.filter(moment=moment), actor=actor)
    customer_last_contact_refresh(customer_id=moment.customer_id)
    return moment


# --- Check-in policies --------------------------------------------------------


@transaction.atomic
def policy_save(
    *,
    actor,
    policy: CheckInPolicy | None = None,
    name: str,
    offsets: str,
    is_active: bool = True,
    day_type: str = CheckInPolicy.DayType.BUSINESS,
    holiday_country: str = "NL",
    channels: Iterable[str] = (),
    directions: Iterable[str] = (),
    outcomes: Iterable[str] = (),
    topics: Iterable[Topic] = (),
) -> CheckInPolicy:
    """Create or change a check-in policy (the policy page and the admin). A policy that cannot plan is refused."""
    policy = policy or CheckInPolicy()
    policy.name = text_normalize(name)
    policy.is_active = is_active
    policy.day_type = day_type
    try:
        policy.offsets = ", ".join(offset.kind for offset in offsets_parse(offsets))
    except ValueError as error:
        raise ValidationError({"offsets": str(error)}, code="invalid_offsets") from error
    policy.holiday_country = (holiday_country or "").strip().upper()
    if not country_supported(policy.holiday_country):
        raise ValidationError(
            {
                "holiday_country": _(
                    "“%(code)s” is not a country we know the public holidays of. Use a code like NL, BE or DE."
                )
                % {"code": policy.holiday_country}
            },
            code="unknown_country",
        )
    triggers = {"channels": channels, "directions": directions, "outcomes": outcomes}
    allowed = {
        "channels": ContactMoment.Channel.values,
        "directions": ContactMoment.Direction.values,
        "outcomes": ContactMoment.Outcome.values,
    }
    for field, values in triggers.items():
        values = sorted(set(values))
        if set(values) - set(allowed[field]):
            raise ValidationError({field: _("Choose from the list.")}, code="invalid_choice")
        setattr(policy, field, values)
    validate(policy, unique=True)
    with_actor(policy, actor).save()
    policy.topics.set(list(topics))
    return policy


# --- Check-ins ----------------------------------------------------------------


def _policy_offsets(policy: CheckInPolicy):
    """A stored policy's offsets, or None when they cannot be read (saved before the rules, or by hand)."""
    try:
        return policy.offset_list
    except ValueError:
        logger.warning("check-in policy %s has unreadable offsets and plans nothing", policy.pk)
        return None


def checkins_plan(*, moment: ContactMoment, actor) -> list[CheckIn]:
    """Plan the check-ins the active policies want after `moment`.

    Due dates count from the contact's local date. The first policy (by name)
    that plans a kind wins; a policy that cannot plan (unreadable offsets, an
    unknown holiday calendar) is passed over with a warning, never breaking
    the logging of a contact. A new check-in supersedes the customer's open
    one of the same kind when that one came from an earlier contact; an open
    check-in from a later contact (this one was logged after the fact) stays,
    and this contact plans nothing of that kind.
    """
    start = timezone.localdate(moment.occurred_at)
    wanted: dict[str, tuple[CheckInPolicy, date]] = {}
    for policy in CheckInPolicy.objects.active().prefetch_related("topics"):
        if not policy.applies_to(moment, {topic.pk for topic in policy.topics.all()}):
            continue
        offsets = _policy_offsets(policy)
        if not offsets or not country_supported(policy.holiday_country):
            continue
        business = policy.day_type == CheckInPolicy.DayType.BUSINESS
        for offset in offsets:
            if offset.kind not in wanted:
                wanted[offset.kind] = (
                    policy,
                    due_date(start, offset, business_days=business, country=policy.holiday_country),
                )
    if not wanted:
        return []

    existing = {
        checkin.kind: checkin
        for checkin in CheckIn.objects.open()
        .select_for_update(of=("self",))
        .select_related("origin")
        .filter(customer_id=moment.customer_id, kind__in=wanted)
    }
    logger_active = moment.logged_by.is_active
    planned = []
    for kind, (policy, due) in wanted.items():
        older = existing.get(kind)
        if older and older.origin.occurred_at > moment.occurred_at:
            continue
        if older:
            older.status = CheckIn.Status.SUPERSEDED
            older.closed_at = timezone.now()
            with_actor(older, actor, "superseded").save(update_fields=["status", "closed_at"])
        checkin = CheckIn(
            customer_id=moment.customer_id,
            origin=moment,
            policy=policy,
            kind=kind,
            due_date=due,
            # The customer hears the same voice; the team's queue when that person has left.
            assignee=moment.logged_by if logger_active else None,
            team=moment.team,
        )
        with_actor(checkin, actor).save()
        if older:
            older.superseded_by = checkin
            with_actor(older, actor, "superseded").save(update_fields=["superseded_by"])
        planned.append(checkin)
    return planned


def _holiday_country(policy: CheckInPolicy | None) -> str:
    """Whose public holidays a check-in's days are read against: its policy's calendar, else the default NL."""
    country = policy.holiday_country if policy else DEFAULT_HOLIDAY_COUNTRY
    return country if country_supported(country) else DEFAULT_HOLIDAY_COUNTRY


def _checkin_open_or_error(checkin: CheckIn) -> None:
    if checkin.status != CheckIn.Status.OPEN:
        raise ValidationError(
            _("This check-in is no longer open (it is %(status)s).") % {"status": checkin.get_status_display()},
            code="closed",
        )


def checkin_complete(*, checkin: CheckIn, moment: ContactMoment, actor) -> CheckIn:
    """Mark a check-in done by the contact moment that was logged for it."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _checkin_open_or_error(checkin)
    if checkin.customer_id != moment.customer_id:
        raise ValidationError(_("This check-in belongs to another customer."), code="other_customer")
    checkin.status = CheckIn.Status.DONE
    checkin.done_moment = moment
    checkin.done_date = timezone.localdate(moment.occurred_at)
    checkin.closed_at = timezone.now()
    with_actor(checkin, actor, "done").save(update_fields=["status", "done_moment", "done_date", "closed_at"])
    return checkin


@transaction.atomic
def checkin_skip(*, checkin: CheckIn, reason: str, actor) -> CheckIn:
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _checkin_open_or_error(checkin)
    checkin.skip_reason = _reason_required(reason, _("Say why the check-in is skipped."))
    checkin.status = CheckIn.Status.SKIPPED
    checkin.closed_at = timezone.now()
    _validate_reason(
        checkin,
        "skip_reason",
        exclude=["customer", "origin", "policy", "assignee", "team", "done_moment", "superseded_by"],
    )
    with_actor(checkin, actor, checkin.skip_reason).save(update_fields=["status", "skip_reason", "closed_at"])
    return checkin


@transaction.atomic
def checkin_reschedule(
    *, checkin: CheckIn, due: date, reason: str, actor, non_business_day_ok: bool = False
) -> CheckIn:
    """Move a check-in to another day (the customer asked to be called next week); the reason stays in its history.

    A weekend or a public holiday of the check-in's policy country (NL without
    a policy) is refused with code "non_business_day", naming the day, unless
    `non_business_day_ok`: the user saw the warning and chose that day anyway.
    """
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _checkin_open_or_error(checkin)
    today = timezone.localdate()
    if due < today:
        raise ValidationError({"due_date": _("Choose today or a later day.")}, code="past")
    if due > timezone.localdate(horizon()):
        raise ValidationError(
            {"due_date": _("Choose a day within %(days)s days.") % {"days": settings.FOLLOWUP_HORIZON_DAYS}},
            code="too_far",
        )
    reason = _reason_required(reason, _("Say why the check-in moves."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason to %(max)s characters (it has %(n)s).")
                % {"max": REASON_MAX_LENGTH, "n": len(reason)}
            },
            code="max_length",
        )
    why = non_business_day(due, _holiday_country(checkin.policy), get_language())
    if why and not non_business_day_ok:
        warning = _("%(date)s is not a business day (%(why)s). Choose another day, or reschedule anyway.") % {
            "date": day(due),
            "why": why,
        }
        raise ValidationError({"due_date": ValidationError(warning, code="non_business_day")})
    if checkin.first_due_date is None:  # the week it was first due in counts it as rescheduled (reports)
        checkin.first_due_date = checkin.due_date
    checkin.due_date = due
    with_actor(checkin, actor, reason).save(update_fields=["due_date", "first_due_date"])
    return checkin


# --- Promises -----------------------------------------------------------------


def _due_within_horizon(due_at: datetime, now: datetime) -> None:
    if due_at > horizon(now):
        raise ValidationError(
            {"due_at": _("A promise is due within %(days)s days.") % {"days": settings.FOLLOWUP_HORIZON_DAYS}},
            code="too_far",
        )


def promise_make(*, moment: ContactMoment, actor, description: str, owner, due_at: datetime) -> Promise:
    now = timezone.now()
    if due_at <= now:
        raise ValidationError({"due_at": _("A promise must be due in the future.")}, code="past")
    _due_within_horizon(due_at, now)
    if not owner.is_active:
        raise ValidationError({"owner": _("This person can no longer take promises.")}, code="inactive")
    promise = Promise(
        customer_id=moment.customer_id,
        moment=moment,
        description=text_normalize(description),
        owner=owner,
        team=moment.team,
        due_at=due_at,
        created_by=actor,
        made_at=moment.occurred_at,
    )
    validate(promise, exclude=["customer", "moment", "owner", "team", "created_by"])
    with_actor(promise, actor).save()
    if owner.pk != actor.pk:
        notifications.promise_assigned(promise=promise)
    return promise


@transaction.atomic
def promise_keep(*, promise: Promise, actor, now: datetime | None = None) -> Promise:
    """Record a promise as kept: on time when kept by its due time, late otherwise."""
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != Promise.Status.OPEN:
        raise ValidationError(_("This promise is no longer open."), code="closed")
    promise.status = Promise.Status.KEPT
    promise.kept_at = now or timezone.now()
    with_actor(promise, actor, "kept").save(update_fields=["status", "kept_at"])
    keep_informed.updates_close(promise=promise, actor=actor, at=promise.kept_at)
    webhook_events.promise_kept(promise)
    return promise


@transaction.atomic
def promise_cancel(*, promise: Promise, reason: str, actor) -> Promise:
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != Promise.Status.OPEN:
        raise ValidationError(_("This promise is no longer open."), code="closed")
    promise.cancel_reason = _reason_required(reason, _("Say why the promise is cancelled."))
    promise.status = Promise.Status.CANCELLED
    promise.cancelled_at = timezone.now()
    _validate_reason(promise, "cancel_reason", exclude=["customer", "moment", "owner", "team", "created_by"])
    with_actor(promise, actor, promise.cancel_reason).save(update_fields=["status", "cancel_reason", "cancelled_at"])
    keep_informed.updates_close(promise=promise, actor=actor, at=promise.cancelled_at)
    return promise


# --- Callbacks: a missed call becomes a promise (issue 12) ---------------------------

CALLBACK_CLOCK_SKEW = timedelta(minutes=5)  # a telephone system's clock may run a little ahead of ours


def _callback_number(number: str, customer: Customer | None) -> str:
    """The number to call back, E.164: the caller's, else the customer's phone; "" when there is none."""
    return phone_normalize(number or "") or (customer.phone if customer is not None else "") or ""


def _callback_open_for(*, team, number: str, customer: Customer | None) -> Promise | None:
    """The team's open callback for this customer or on this number, locked (the one a second call joins)."""
    same = Q(number=number) if number else Q(pk__in=[])
    if customer is not None:
        same |= Q(customer=customer)
    return (
        Promise.objects.filter(PromiseIs.open() & PromiseIs.callback() & same, team=team)
        .select_for_update()
        .order_by("due_at", "pk")
        .first()
    )


def _callback_called_again(promise: Promise, *, customer: Customer | None, actor) -> Promise:
    promise.missed_count += 1
    fields = ["missed_count"]
    if promise.customer_id is None and customer is not None:  # the number has become a customer meanwhile
        promise.customer = customer
        fields.append("customer")
    with_actor(promise, actor, "called again").save(update_fields=fields)
    return promise


@transaction.atomic
def callback_for_missed_call(
    *, team, number: str, customer: Customer | None, person, missed_at: datetime, actor
) -> Promise:
    """The team's "Call back" for a missed call: a promise due CALLBACK_BUSINESS_HOURS business hours later.

    A second missed call from the same customer (or, for an unknown number,
    the same number) while the team's callback is still open joins it: the
    same promise comes back, with "called again" and the actor in its
    history. Two calls at once cannot make two: a partial unique constraint
    holds one open callback per team and number; the one that loses the race
    joins the winner's. The owner is `person` (whom the telephone system
    rang) when active, else nobody: the team's queue. A call missed long ago
    (a telephone system catching up) still makes its callback, already due or
    broken: the call was missed all the same. An anonymous call has nothing
    to call back and is refused ("no_number"); so is a call without a team.
    """
    now = timezone.now()
    if team is None:
        raise ValidationError(_("A callback belongs to a team."), code="no_team")
    if missed_at.tzinfo is None:
        raise ValidationError({"made_at": ValidationError(_("The time of the call has no time zone."), code="naive")})
    if missed_at > now + CALLBACK_CLOCK_SKEW:
        raise ValidationError({"made_at": ValidationError(_("A call cannot be missed in the future."), code="future")})
    number = _callback_number(number, customer)
    if not number and customer is None:
        raise ValidationError({"number": ValidationError(_("There is no number to call back."), code="no_number")})
    existing = _callback_open_for(team=team, number=number, customer=customer)
    if existing is not None:
        return _callback_called_again(existing, customer=customer, actor=actor)
    try:
        due_at = business_hours_add(
            missed_at,
            Decimal(str(settings.CALLBACK_BUSINESS_HOURS)),
            country=planning.DESK_COUNTRY,
            opening=desk_opening_hours(),
        )
    except (ValueError, OverflowError) as error:
        raise ValidationError({"due_at": _("This call's callback cannot be planned.")}, code="unplannable") from error
    _due_within_horizon(due_at, now)
    with translation.override(settings.LANGUAGE_CODE):  # stored text, in the desk's language like notices
        description = _("Call back after a missed call")
    promise = Promise(
        kind=Promise.Kind.CALLBACK,
        customer=customer,
        moment=None,
        description=description,
        owner=person if person is not None and person.is_active else None,
        number=number,
        missed_count=1,
        team=team,
        due_at=due_at,
        created_by=actor,
        made_at=missed_at,
    )
    validate(promise, exclude=["customer", "moment", "owner", "team", "created_by"])
    try:
        with transaction.atomic():  # a savepoint: losing the race leaves this transaction usable
            with_actor(promise, actor).save()
    except IntegrityError:
        existing = _callback_open_for(team=team, number=number, customer=customer)
        if existing is None:
            raise
        return _callback_called_again(existing, customer=customer, actor=actor)
    if promise.owner_id is not None and promise.owner_id != actor.pk:
        notifications.promise_assigned(promise=promise)
    if promise.due_at <= now:  # a call missed long ago: broken already, maybe before the sweep's window
        _promises_told_broken(Promise.objects.filter(pk=promise.pk), now=now)
    return promise


def callbacks_keep(*, moment: ContactMoment, customer: Customer, actor) -> list[Promise]:
    """The callbacks an outbound phone call to `customer` keeps, kept at the call's time.

    Every open callback of the customer (any team: the customer was called
    back), and every open callback on the customer's phone number that has no
    customer yet (it gets this one). Only callbacks for calls missed before
    the contact happened (to the minute, as contacts are typed): a contact
    logged afterwards for an earlier call does not answer a later missed
    call. On time or late follows `PromiseIs`.
    """
    same = Q(customer=customer)
    if customer.phone:
        same |= Q(customer__isnull=True, number=customer.phone)
    kept = []
    # A contact's time is typed to the minute: a call back in the minute of the missed call counts.
    callbacks = Promise.objects.filter(PromiseIs.open() & PromiseIs.callback() & same).filter(
        made_at__lt=moment.occurred_at + timedelta(minutes=1)
    )
    for promise in callbacks.select_for_update().order_by("pk"):
        if promise.customer_id is None:
            promise.customer = customer
            with_actor(promise, actor, "customer found").save(update_fields=["customer"])
        kept.append(promise_keep(promise=promise, actor=actor, now=moment.occurred_at))
    return kept


# --- Reply-by promises: an inbound e-mail owes the customer a reply (issue 13) ------------

REPLY_DESCRIPTIONS = {  # stored, in the desk's language (like a callback's)
    ContactMoment.Channel.EMAIL: gettext_noop("Reply to the e-mail"),
    ContactMoment.Channel.LETTER: gettext_noop("Reply to the letter"),
    ContactMoment.Channel.SOCIAL: gettext_noop("Reply to the message on social media"),
}
REPLY_DESCRIPTION = gettext_noop("Reply to the customer")  # a channel the desk gave a term of its own


def reply_open_for(*, customer_id: int, team_id: int | None) -> Promise | None:
    """The customer's open reply-by promise with this team (or without a team), locked: the one a second
    inbound contact joins."""
    return (
        Promise.objects.filter(PromiseIs.open() & PromiseIs.reply(), customer_id=customer_id, team_id=team_id)
        .select_for_update()
        .first()
    )


def _reply_join(promise: Promise, *, due_at: datetime, actor) -> Promise:
    """Another inbound contact while a reply is owed: the open promise stays, with the earlier of the two terms
    (the customer was told the first date; a channel with a shorter term brings it forward)."""
    if due_at < promise.due_at:
        promise.due_at = due_at
        with_actor(promise, actor, "replied sooner").save(update_fields=["due_at"])
    return promise


@transaction.atomic
def reply_promise_for_contact(*, moment: ContactMoment, actor, desk: planning.Desk | None = None) -> Promise | None:
    """The reply-by promise an inbound contact owes the customer under the desk's reply terms, or None.

    Due at the end of the channel's term, counted in the desk's opening hours on business days from the
    contact's time (`planning.term_due`). The person who logged the contact keeps it (the team's queue when
    they left). One reply is owed per customer and team at a time: while one is open, another inbound
    contact joins it and the earlier term stays (a partial unique index holds it; the one that loses a race
    joins the winner's). A contact logged after the fact whose reply was already logged (an outbound contact
    at or after it) makes its promise kept at that reply's time; one whose term has already passed makes it
    broken at once, and it is told about at once, as a callback for a call missed long ago.
    """
    desk = desk or planning.desk()
    due_at = reply_due(channel=moment.channel, direction=moment.direction, occurred_at=moment.occurred_at, desk=desk)
    if due_at is None:
        return None
    existing = reply_open_for(customer_id=moment.customer_id, team_id=moment.team_id)
    if existing is not None:
        return _reply_join(existing, due_at=due_at, actor=actor)
    answered = (
        ContactMoment.objects.filter(update_to_customer(customer=moment.customer_id, made_at=moment.occurred_at))
        .order_by("occurred_at", "pk")
        .values_list("occurred_at", flat=True)
        .first()
    )
    with translation.override(settings.LANGUAGE_CODE):
        description = _(REPLY_DESCRIPTIONS.get(moment.channel, REPLY_DESCRIPTION))
    owner = moment.logged_by if moment.logged_by.is_active else None
    promise = Promise(
        kind=Promise.Kind.REPLY,
        customer_id=moment.customer_id,
        moment=moment,
        description=description,
        owner=owner,
        team_id=moment.team_id,
        due_at=due_at,
        created_by=actor,
        made_at=moment.occurred_at,
    )
    if answered is not None:
        promise.status, promise.kept_at = Promise.Status.KEPT, answered
    validate(promise, exclude=["customer", "moment", "owner", "team", "created_by"])
    try:
        with transaction.atomic():  # a savepoint: losing the race leaves this transaction usable
            with_actor(promise, actor).save()
    except IntegrityError:
        existing = reply_open_for(customer_id=moment.customer_id, team_id=moment.team_id)
        if existing is None:
            raise
        return _reply_join(existing, due_at=due_at, actor=actor)
    if owner is not None and owner.pk != actor.pk and promise.status == Promise.Status.OPEN:
        notifications.promise_assigned(promise=promise)
    now = timezone.now()
    if promise.status == Promise.Status.OPEN and promise.due_at <= now:  # logged after its term: broken already
        _promises_told_broken(Promise.objects.filter(pk=promise.pk), now=now)
    return promise


def replies_keep(*, moment: ContactMoment, actor) -> list[Promise]:
    """The reply-by promises an outbound contact keeps, at the contact's time: every open one of the customer
    (any team, any channel: the customer heard from us) that it is an update about (`update_to_customer`: made
    before it, to the minute). On time or late follows `PromiseIs`; a reply one minute after the due time is
    kept late, and broke at its due time."""
    if moment.direction != ContactMoment.Direction.OUTBOUND:
        return []
    replies = Promise.objects.filter(PromiseIs.open() & PromiseIs.reply(), keep_informed.updated_by(moment))
    return [
        promise_keep(promise=promise, actor=actor, now=moment.occurred_at)
        for promise in replies.select_for_update().order_by("pk")
    ]


def reply_room_make(promise: Promise, *, customer_id: int, team_id: int | None, actor) -> bool:
    """Whether an open reply-by promise may move to (customer, team): one reply is owed there at a time.

    When another is open there, the one due later is cancelled ("joined"): the customer hears from us by the
    earlier date. Returns False when it was `promise` (it stays where it is, cancelled). Other kinds: True.
    """
    if not promise.is_reply:
        return True
    other = (
        Promise.objects.filter(PromiseIs.open() & PromiseIs.reply(), customer_id=customer_id, team_id=team_id)
        .exclude(pk=promise.pk)
        .select_for_update()
        .first()
    )
    if other is None:
        return True
    later = max((promise, other), key=lambda p: (p.due_at, p.pk))
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Joined: one reply answers both contacts.")
    promise_cancel(promise=later, reason=reason, actor=actor)
    return later.pk != promise.pk


# --- The desk's settings (issue 13) ----------------------------------------------------


@transaction.atomic
def desk_settings_save(
    *,
    actor,
    opening_hours: str,
    reply_terms: dict,
    keep_informed_days: int | None,
    losing_touch_days: int = planning.DEFAULT_LOSING_TOUCH_DAYS,
) -> DeskSettings:
    """The desk's opening hours, reply terms, keep-informed cadence and losing-touch threshold, as a manager set them.

    Opening hours like 09:00-17:00 (empty: the server's DESK_OPENING_HOURS); a term per channel in business days
    or hours ("1d", "4h"; empty: that channel promises no reply); updates every 1 to 60 business days (empty or
    0: off); "Losing touch" after 1 to 365 days (issue 14). Each refused value is an error on its own field.
    Applies to contacts logged from now on; the promises and check-ins already planned keep their times.
    """
    errors = {}
    opening_hours = (opening_hours or "").strip()
    if opening_hours:
        try:
            opening_hours = planning.OpeningHours.parse(opening_hours).text
        except ValueError:
            errors["opening_hours"] = _("Write the opening hours as 09:00-17:00, opening before closing.")
    terms = {}
    for channel, text in (reply_terms or {}).items():
        if channel not in ContactMoment.Channel.values:
            raise ValidationError(_("Choose from the list."), code="invalid_choice")
        try:
            term = planning.term_parse(text or "")
        except ValueError as error:
            errors[f"reply_{channel}"] = str(error)
            continue
        if term is not None:
            terms[channel] = term.text
    if keep_informed_days is not None and not 0 <= keep_informed_days <= planning.MAX_KEEP_INFORMED_DAYS:
        errors["keep_informed_days"] = _("Choose 1 to %(max)s business days, or 0 to switch it off.") % {
            "max": planning.MAX_KEEP_INFORMED_DAYS
        }
    if losing_touch_days is None or not 1 <= losing_touch_days <= planning.MAX_LOSING_TOUCH_DAYS:
        errors["losing_touch_days"] = _("Choose 1 to %(max)s days.") % {"max": planning.MAX_LOSING_TOUCH_DAYS}
    if errors:
        raise ValidationError(errors, code="invalid")
    values = {"opening_hours": opening_hours, "reply_terms": terms, "keep_informed_days": keep_informed_days or None}
    values["losing_touch_days"] = losing_touch_days
    row = DeskSettings.objects.select_for_update().filter(pk=DeskSettings.SINGLETON).first()
    if row is None:  # the first save; two managers at once: one creates the row, the other then changes it
        try:
            with transaction.atomic():  # a savepoint: losing the race leaves this transaction usable
                return _desk_settings_write(DeskSettings(pk=DeskSettings.SINGLETON), values, actor, create=True)
        except IntegrityError:
            row = DeskSettings.objects.select_for_update().get(pk=DeskSettings.SINGLETON)
    return _desk_settings_write(row, values, actor, create=False)


def _desk_settings_write(row: DeskSettings, values: dict, actor, *, create: bool) -> DeskSettings:
    for name, value in values.items():
        setattr(row, name, value)
    with_actor(row, actor).save(force_insert=create)
    return row


# --- Sweeps -------------------------------------------------------------------


@transaction.atomic
def promises_mark_broken(*, now: datetime, since: datetime | None = None) -> int:
    """Tell the owners and team leads about the promises that broke, once; returns how many were newly told about.

    A promise is broken when it is open past its due time (`PromiseIs.broken`, derived, never stored:
    `Promise.broken_at` is its due time then). So this sweep writes nothing to the promises: what it
    records is the notices, whose unique key (recipient, kind, "promise:<id>") makes a second run, or a
    race of two, tell nobody twice. `since` (the previous run's start, less an overlap) limits the
    search to promises that fell due since; without it, every open promise past its due time is
    looked at. Set-based however big the backlog: one INSERT … SELECT of the webhook deliveries, one
    statement for the notices (see `notifications.promises_broken`). No history row is written; the
    actor is the system.
    """
    newly = Promise.objects.broken(now)
    if since is not None:
        newly = newly.filter(due_at__gte=since)
    return _promises_told_broken(newly, now=now)


def _promises_told_broken(promises, *, now: datetime) -> int:
    """The `promise.broken` webhooks and the notices for `promises`, each once (their unique keys)."""
    webhook_events.promises_broken(promises)
    return notifications.promises_broken(promises=promises, now=now)


# --- Team leads -----------------------------------------------------------------


@transaction.atomic
def followups_reassign(
    *, team, checkin_ids: Iterable[int], promise_ids: Iterable[int], to_user, actor, submission_key=None
) -> tuple[int, int]:
    """Give open check-ins and promises of `team` to one of its active members (someone is ill).

    Each change is recorded in the items' history with who made it. Items
    that are no longer open, or not of this team, are left alone. Returns
    how many check-ins and promises moved. With `submission_key`, a repeat of
    the same confirmation raises AlreadySubmitted.
    """
    submission_claim(actor=actor, key=submission_key)
    if not to_user.is_active or not team.members.filter(pk=to_user.pk).exists():
        raise ValidationError({"assignee": _("Choose an active member of this team.")}, code="not_member")
    checkins = CheckIn.objects.open().filter(team=team, pk__in=list(checkin_ids))
    promises = Promise.objects.open().filter(team=team, pk__in=list(promise_ids))
    return followups_give(checkins=checkins, promises=promises, to_user=to_user, actor=actor)


def followups_give(*, checkins, promises, to_user, actor) -> tuple[int, int]:
    """The move itself, shared by bulk reassignment and accepting a handover: the open items of the querysets
    `checkins` and `promises` (locked here) go to `to_user`, with "reassigned to …" and the actor in each
    item's history; the new owner of a promise is told unless they moved it themselves. Returns how many
    check-ins and promises moved. Run inside the caller's transaction.
    """
    checkins = list(checkins.open().select_for_update(of=("self",)).order_by("pk"))
    promises = list(promises.open().select_for_update(of=("self",)).order_by("pk"))
    reason = _("reassigned to %(name)s") % {"name": to_user.get_full_name() or to_user.get_username()}
    for checkin in checkins:
        checkin.assignee = to_user
    for promise in promises:
        promise.owner = to_user
    if checkins:
        bulk_update_with_history(checkins, CheckIn, ["assignee"], default_user=actor, default_change_reason=reason)
    if promises:
        bulk_update_with_history(promises, Promise, ["owner"], default_user=actor, default_change_reason=reason)
        for promise in promises:
            if to_user.pk != actor.pk:
                notifications.promise_assigned(promise=promise)
    return len(checkins), len(promises)

"""Every write of the follow-up engine: logging a contact with its promises and check-ins, and the work on them."""

import logging
from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from contacts.models import ContactMoment, Customer
from contacts.services import contact_moment_create

from . import notifications
from .models import CheckIn, CheckInPolicy, Promise
from .planning import due_date

logger = logging.getLogger(__name__)
User = get_user_model()


# --- Logging a contact --------------------------------------------------------


@transaction.atomic
def contact_log(
    *,
    customer: Customer,
    logged_by,
    promises: Iterable[dict] = (),
    checkin: CheckIn | None = None,
    **fields,
) -> ContactMoment:
    """Log a contact moment with its promises and check-ins: all written together, or nothing.

    A contact that completes a planned check-in (`checkin`, from "Call now")
    marks it done instead of planning new ones: the follow-up call is not a
    new reason to follow up. Nothing here needs the broker; notifications
    are rows, e-mailed by the dispatch sweep (and nudged after commit).
    """
    moment = contact_moment_create(customer=customer, logged_by=logged_by, **fields)
    for promise in promises:
        promise_make(moment=moment, created_by=logged_by, **promise)
    if checkin is not None:
        checkin_complete(checkin=checkin, moment=moment)
    else:
        checkins_plan(moment=moment)
    return moment


# --- Check-ins ----------------------------------------------------------------


def checkins_plan(*, moment: ContactMoment) -> list[CheckIn]:
    """Plan the check-ins the active policies want after `moment`.

    Due dates count from the contact's local date. The first policy (by name)
    that plans a kind wins. A new check-in supersedes the customer's open one
    of the same kind when that one came from an earlier contact; an open
    check-in from a later contact (this one was logged after the fact) stays,
    and this contact plans nothing of that kind.
    """
    start = timezone.localdate(moment.occurred_at)
    wanted: dict[str, tuple[CheckInPolicy, date]] = {}
    for policy in CheckInPolicy.objects.active().prefetch_related("topics"):
        if not policy.applies_to(moment, {topic.pk for topic in policy.topics.all()}):
            continue
        for offset in policy.offset_list:
            if offset.kind not in wanted:
                business = policy.day_type == CheckInPolicy.DayType.BUSINESS
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
            older._change_reason = "superseded"
            older.save(update_fields=["status", "closed_at"])
        checkin = CheckIn.objects.create(
            customer_id=moment.customer_id,
            origin=moment,
            policy=policy,
            kind=kind,
            due_date=due,
            # The customer hears the same voice; the team's queue when that person has left.
            assignee=moment.logged_by if logger_active else None,
            team=moment.team,
        )
        if older:
            older.superseded_by = checkin
            older.save(update_fields=["superseded_by"])
        planned.append(checkin)
    return planned


def _checkin_open_or_error(checkin: CheckIn) -> None:
    if checkin.status != CheckIn.Status.OPEN:
        raise ValidationError(
            _("This check-in is no longer open (it is %(status)s).") % {"status": checkin.get_status_display()}
        )


def checkin_complete(*, checkin: CheckIn, moment: ContactMoment) -> CheckIn:
    """Mark a check-in done by the contact moment that was logged for it."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _checkin_open_or_error(checkin)
    if checkin.customer_id != moment.customer_id:
        raise ValidationError(_("This check-in belongs to another customer."))
    checkin.status = CheckIn.Status.DONE
    checkin.done_moment = moment
    checkin.done_date = timezone.localdate(moment.occurred_at)
    checkin.closed_at = timezone.now()
    checkin.save(update_fields=["status", "done_moment", "done_date", "closed_at"])
    return checkin


@transaction.atomic
def checkin_skip(*, checkin: CheckIn, reason: str, by) -> CheckIn:
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _checkin_open_or_error(checkin)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the check-in is skipped.")})
    checkin.status = CheckIn.Status.SKIPPED
    checkin.skip_reason = reason.strip()
    checkin.closed_at = timezone.now()
    checkin._change_reason = reason.strip()
    checkin.save(update_fields=["status", "skip_reason", "closed_at"])
    return checkin


@transaction.atomic
def checkin_reschedule(*, checkin: CheckIn, due: date, reason: str, by) -> CheckIn:
    """Move a check-in to another day (the customer asked to be called next week); the reason stays in its history."""
    checkin = CheckIn.objects.select_for_update().get(pk=checkin.pk)
    _checkin_open_or_error(checkin)
    if due < timezone.localdate():
        raise ValidationError({"due_date": _("Choose today or a later day.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the check-in moves.")})
    checkin.due_date = due
    checkin._change_reason = reason.strip()
    checkin.save(update_fields=["due_date"])
    return checkin


# --- Promises -----------------------------------------------------------------


def promise_make(*, moment: ContactMoment, description: str, owner, due_at: datetime, created_by) -> Promise:
    if due_at <= timezone.now():
        raise ValidationError({"due_at": _("A promise must be due in the future.")})
    if not owner.is_active:
        raise ValidationError({"owner": _("This person can no longer take promises.")})
    promise = Promise.objects.create(
        customer_id=moment.customer_id,
        moment=moment,
        description=description.strip(),
        owner=owner,
        team=moment.team,
        due_at=due_at,
        created_by=created_by,
    )
    if owner.pk != created_by.pk:
        notifications.promise_assigned(promise=promise)
    return promise


@transaction.atomic
def promise_keep(*, promise: Promise, by, now: datetime | None = None) -> Promise:
    """Record a promise as kept: on time when kept by its due time, late otherwise."""
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != Promise.Status.OPEN:
        raise ValidationError(_("This promise is no longer open."))
    promise.status = Promise.Status.KEPT
    promise.kept_at = now or timezone.now()
    promise.save(update_fields=["status", "kept_at"])
    return promise


@transaction.atomic
def promise_cancel(*, promise: Promise, reason: str, by) -> Promise:
    promise = Promise.objects.select_for_update().get(pk=promise.pk)
    if promise.status != Promise.Status.OPEN:
        raise ValidationError(_("This promise is no longer open."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the promise is cancelled.")})
    promise.status = Promise.Status.CANCELLED
    promise.cancel_reason = reason.strip()
    promise.cancelled_at = timezone.now()
    promise._change_reason = reason.strip()
    promise.save(update_fields=["status", "cancel_reason", "cancelled_at"])
    return promise


# --- Sweeps -------------------------------------------------------------------


def promises_mark_broken(*, now: datetime) -> int:
    """Record every open promise that has passed its due time, and tell its owner and team lead once.

    Set-based and idempotent: only promises not yet recorded are touched,
    and the notifications' unique key stops a second message. A sweep that
    missed an outage catches up with everything that broke meanwhile.
    """
    with transaction.atomic():
        due = list(
            Promise.objects.broken(now)
            .filter(broken_at__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("customer", "owner", "team__lead")
            .order_by("due_at")[:1000]
        )
        if not due:
            return 0
        for promise in due:
            promise.broken_at = promise.due_at
        Promise.objects.bulk_update(due, ["broken_at"])
        notifications.promises_broken(promises=due)
    return len(due)


# --- Team leads -----------------------------------------------------------------


@transaction.atomic
def followups_reassign(*, team, checkin_ids: Iterable[int], promise_ids: Iterable[int], to_user, by) -> tuple[int, int]:
    """Give open check-ins and promises of `team` to one of its active members (someone is ill).

    Each change is recorded in the items' history with who made it. Items
    that are no longer open, or not of this team, are left alone. Returns
    how many check-ins and promises moved.
    """
    if not to_user.is_active or not team.members.filter(pk=to_user.pk).exists():
        raise ValidationError({"assignee": _("Choose an active member of this team.")})
    checkins = list(CheckIn.objects.open().select_for_update().filter(team=team, pk__in=list(checkin_ids)))
    promises = list(Promise.objects.open().select_for_update().filter(team=team, pk__in=list(promise_ids)))
    reason = _("reassigned to %(name)s") % {"name": to_user.get_full_name() or to_user.get_username()}
    for checkin in checkins:
        checkin.assignee = to_user
    for promise in promises:
        promise.owner = to_user
    if checkins:
        bulk_update_with_history(checkins, CheckIn, ["assignee"], default_user=by, default_change_reason=reason)
    if promises:
        bulk_update_with_history(promises, Promise, ["owner"], default_user=by, default_change_reason=reason)
        for promise in promises:
            if to_user.pk != by.pk:
                notifications.promise_assigned(promise=promise)
    return len(checkins), len(promises)

"""What the follow-up engine tells other systems (issue 12): the payload of each webhook event, defined once.

Ids and non-personal fields only: no names, phone numbers, e-mail
addresses, summaries or promise texts; receivers fetch details through the
API. Promise and check-in payloads are built by the database (one INSERT …
SELECT through `contactcare.webhooks.emit_rows`, whatever the number of rows).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import timezone

from contactcare import webhooks
from contactcare.models import WebhookEvent
from contacts.models import ContactMoment

from .models import CheckIn, Promise, PromiseIs

Timestamp = webhooks.Timestamp


def contact_logged(moment: ContactMoment) -> int:
    """`contact.logged`, once per contact (its key is the contact's id)."""
    return webhooks.emit(
        WebhookEvent.CONTACT_LOGGED,
        str(moment.pk),
        {
            "contact_id": moment.pk,
            "channel": moment.channel,
            "direction": moment.direction,
            "occurred_at": webhooks.timestamp(moment.occurred_at),
            "customer_id": moment.customer_id,
            "customer_number": moment.customer.customer_number if moment.customer_id else None,
            "team_id": moment.team_id,
            "logged_by_id": moment.logged_by_id,
        },
    )


def _promise_rows(promises: QuerySet[Promise], *, occurred, broken_at) -> QuerySet:
    return promises.order_by().values(
        wh_key=Cast("pk", output_field=CharField()),
        wh_customer=F("customer_id"),
        wh_occurred=occurred,
        wh_data=JSONObject(
            promise_id=F("pk"),
            kind=F("kind"),
            status=F("status"),
            due_at=Timestamp("due_at"),
            kept_at=Timestamp("kept_at"),
            broken_at=broken_at,
            customer_id=F("customer_id"),
            customer_number=F("customer__customer_number"),
            contact_id=F("moment_id"),
            team_id=F("team_id"),
            owner_id=F("owner_id"),
        ),
    )


def promise_kept(promise: Promise) -> int:
    """`promise.kept`, when a promise is recorded kept (by a person, or by logging the callback)."""
    kept = Promise.objects.filter(pk=promise.pk)
    late = Case(When(PromiseIs.kept_late(), then=Timestamp("due_at")))  # `Promise.broken_at`, in SQL
    rows = _promise_rows(kept, occurred=F("kept_at"), broken_at=late)
    return webhooks.emit_rows(WebhookEvent.PROMISE_KEPT, rows)


def promises_broken(unswept: QuerySet[Promise]) -> int:
    """`promise.broken` for every promise the broken-promise sweep is about to record: one statement."""
    # A promise breaks at its due time (`Promise.broken_at`).
    rows = _promise_rows(unswept, occurred=F("due_at"), broken_at=Timestamp("due_at"))
    return webhooks.emit_rows(WebhookEvent.PROMISE_BROKEN, rows)


def checkins_overdue(*, now: datetime) -> int:
    """`checkin.overdue` for open check-ins whose due date passed (within the look-back), once per due date.

    The key carries the due date: a check-in moved to a later date that
    passes that one too is announced again. One INSERT … SELECT.
    """
    today = timezone.localdate(now)
    overdue = CheckIn.objects.overdue(today).filter(
        due_date__gte=today - timedelta(days=settings.WEBHOOK_OVERDUE_LOOKBACK_DAYS)
    )
    rows = overdue.order_by().values(
        wh_key=Concat(Cast("pk", output_field=CharField()), Value(":"), Cast("due_date", output_field=CharField())),
        wh_customer=F("customer_id"),
        wh_occurred=Value(now),
        wh_data=JSONObject(
            checkin_id=F("pk"),
            kind=F("kind"),
            status=F("status"),
            due_date=F("due_date"),
            customer_id=F("customer_id"),
            customer_number=F("customer__customer_number"),
            contact_id=F("origin_id"),
            team_id=F("team_id"),
            assignee_id=F("assignee_id"),
        ),
    )
    return webhooks.emit_rows(WebhookEvent.CHECKIN_OVERDUE, rows)

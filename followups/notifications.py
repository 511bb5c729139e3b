"""The outbox: notifications are written with what caused them, listed in the app at once, e-mailed by a sweep.

Texts are rendered when the notification is written (in the desk's default
language) so that the sweep that sends them needs nothing but the row.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import CheckIn, Notification, Promise

logger = logging.getLogger(__name__)
User = get_user_model()
STUCK_AFTER = timedelta(minutes=10)  # a claim older than this belongs to a worker that died


def _render(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) from templates/followups/notifications/<template>.txt; the first line is the subject."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(f"followups/notifications/{template}.txt", {**context, "site_url": settings.SITE_URL})
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def _customer_link(customer_id: int) -> str:
    return reverse("contacts:customer-detail", args=[customer_id])


def dispatch_soon() -> None:
    """After commit, ask a worker to send what is pending now. If the broker is down, the next sweep sends it."""
    from .tasks import notifications_dispatch_task

    def publish():
        try:
            notifications_dispatch_task.delay()
        except Exception as error:  # noqa: BLE001 - a broker outage must not reach the user
            logger.warning("broker unavailable, notifications wait for the next sweep: %s", type(error).__name__)

    transaction.on_commit(publish, robust=True)


def promise_assigned(*, promise: Promise) -> None:
    """Tell a colleague that a promise is now theirs (once per person and promise)."""
    subject, body = _render("promise_assigned", {"promise": promise})
    notification = Notification(
        recipient=promise.owner,
        kind=Notification.Kind.PROMISE_ASSIGNED,
        key=f"promise:{promise.pk}",
        subject=subject,
        body=body,
        link=_customer_link(promise.customer_id),
        next_attempt_at=timezone.now(),
    )
    Notification.objects.bulk_create([notification], ignore_conflicts=True)
    dispatch_soon()


def promises_broken(*, promises: Iterable[Promise]) -> int:
    """Tell the owner and the team lead of each promise that it broke: once, whatever runs twice."""
    now = timezone.now()
    rows = []
    for promise in promises:
        subject, body = _render("promise_broken", {"promise": promise})
        recipients = {promise.owner}
        if promise.team and promise.team.lead and promise.team.lead.is_active:
            recipients.add(promise.team.lead)
        rows += [
            Notification(
                recipient=recipient,
                kind=Notification.Kind.PROMISE_BROKEN,
                key=f"promise:{promise.pk}",
                subject=subject,
                body=body,
                link=_customer_link(promise.customer_id),
                next_attempt_at=now,
            )
            for recipient in recipients
            if recipient.is_active
        ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    dispatch_soon()
    return len(rows)


def digests_create(*, now: datetime) -> int:
    """Write today's morning digest for everyone with something due, once a day, from DIGEST_TIME on.

    Runs every few minutes: the first run after DIGEST_TIME writes them, a
    later one (after an outage) catches up, and the unique key keeps it to one
    digest per person per day. People with nothing due get no mail.
    """
    local_now = timezone.localtime(now)
    today = local_now.date()
    if local_now.time() < time.fromisoformat(settings.DIGEST_TIME):
        return 0
    key = f"digest:{today.isoformat()}"
    done = set(
        Notification.objects.filter(kind=Notification.Kind.DIGEST, key=key).values_list("recipient_id", flat=True)
    )
    end_of_day = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    work: dict[int, dict[str, list]] = defaultdict(
        lambda: {"overdue": [], "due_today": [], "broken": [], "promises": []}
    )
    for checkin in (
        CheckIn.objects.open()
        .filter(due_date__lte=today, assignee__is_active=True)
        .exclude(assignee_id__in=done)
        .select_related("customer")
        .order_by("due_date")
    ):
        work[checkin.assignee_id]["overdue" if checkin.due_date < today else "due_today"].append(checkin)
    for promise in (
        Promise.objects.open()
        .filter(due_at__lt=end_of_day, owner__is_active=True)
        .exclude(owner_id__in=done)
        .select_related("customer")
        .order_by("due_at")
    ):
        work[promise.owner_id]["broken" if promise.due_at < now else "promises"].append(promise)
    users = User.objects.in_bulk(list(work))
    rows = []
    for user_id, items in work.items():
        subject, body = _render("digest", {"user": users[user_id], "today": today, "now": now, **items})
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=Notification.Kind.DIGEST,
                key=key,
                subject=subject,
                body=body,
                link=reverse("followups:my-day"),
                next_attempt_at=now,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 60))


def _send(notification: Notification, connection) -> None:
    if not notification.recipient.email:
        return  # in-app only
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body + (f"\n\n{settings.SITE_URL}{notification.link}" if notification.link else ""),
        to=[notification.recipient.email],
        connection=connection,
    )
    if notification.html_body:
        message.attach_alternative(notification.html_body, "text/html")
    if notification.attachment:
        message.attach(
            notification.attachment_name,
            bytes(notification.attachment),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    message.send()


def notifications_dispatch(*, now: datetime, limit: int = 200) -> int:
    """E-mail pending notifications; returns how many were sent.

    Each row is claimed with a conditional UPDATE first, so two workers never
    send the same one. A failed send is retried with backoff and, after
    NOTIFICATION_MAX_ATTEMPTS, marked failed: listed for managers, never dropped.
    """
    Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Notification.Status.PENDING
    )
    pending = list(
        Notification.objects.due_for_sending(now).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    connection = get_connection()
    for pk in pending:
        claimed = Notification.objects.filter(pk=pk, status=Notification.Status.PENDING).update(
            status=Notification.Status.SENDING, claimed_at=now
        )
        if not claimed:
            continue
        notification = Notification.objects.select_related("recipient").get(pk=pk)
        try:
            _send(notification, connection)
        except Exception as error:  # noqa: BLE001 - whatever the mail backend raises, retry later
            attempts = notification.attempts + 1
            gave_up = attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                status=Notification.Status.FAILED if gave_up else Notification.Status.PENDING,
                attempts=attempts,
                last_error=type(error).__name__,
                next_attempt_at=now + _backoff(attempts),
            )
            logger.warning("notification %s not sent (attempt %s): %s", pk, attempts, type(error).__name__)
        else:
            Notification.objects.filter(pk=pk).update(
                status=Notification.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
            )
            sent += 1
    return sent


def notification_retry(*, notification: Notification) -> None:
    """A manager sends a failed notification again."""
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    dispatch_soon()


def notifications_mark_read(*, user, now: datetime) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=now)

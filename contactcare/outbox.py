"""The outbox, below the apps: messages to people are rows first, e-mails second.

- `enqueue` writes notifications in the caller's transaction; (recipient,
  kind, key) is unique, so writing the same one twice keeps one row;
- `dispatch_soon` asks a worker, after commit, to send what is pending (the
  beat sweep sends it anyway when the broker is down);
- `dispatch` sends what is due: one e-mail per person per run (the digest and
  the weekly report stand alone), all over one SMTP connection, with backoff;
- `run` is the heartbeat every periodic sweep goes through (SweepRun).

Apps import from here; this module imports no app. (It also ends the old
import circle notifications → tasks → sweeps → services → notifications.)
"""

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator

from .models import Notification, SweepRun

logger = logging.getLogger(__name__)
DISPATCH = "notifications-dispatch"  # the dispatch sweep's name in SweepRun
STUCK_AFTER = timedelta(minutes=10)  # a claim older than this belongs to a worker that died
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Set-based SQL that PostgreSQL and SQLite both run ----------------------------


def id_set(ids: Sequence[int]) -> RawSQL:
    """A subquery of these ids, as ONE parameter however many there are (`pk__in=id_set(ids)`).

    A plain `pk__in=[…]` sends one parameter per id, which SQLite refuses past
    32,766 and PostgreSQL plans slowly; a backlog has a hundred thousand.
    """
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))])


def where_sql(queryset: QuerySet) -> tuple[str, list]:
    """The WHERE clause of a one-table queryset, to reuse a QuerySet's definition in an UPDATE … RETURNING."""
    query = queryset.query
    if sum(1 for alias in query.alias_map if query.alias_refcount[alias]) > 1:  # joins trimmed away do not count
        raise ValueError("where_sql takes a filter on the model's own columns (no joins)")
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.compile(query.where)
    return sql, list(params)


def db_value(model, field_name: str, value):
    """`value` as the database takes it in raw SQL (datetimes are text on SQLite)."""
    return model._meta.get_field(field_name).get_db_prep_value(value, connection)


# --- Writing --------------------------------------------------------------------


def notice_text(template: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a notice from a text template whose first line is the subject, in the desk's language
    (a notice is written once, for whoever reads it). A subject longer than the field is shortened with "…",
    never cut bare or refused: the body keeps the whole text."""
    with translation.override(settings.LANGUAGE_CODE):
        text = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    subject, _, body = text.strip().partition("\n")
    limit = Notification._meta.get_field("subject").max_length
    return Truncator(subject.strip()).chars(limit), body.strip()


def enqueue(notifications: Iterable[Notification]) -> None:
    """Write notifications (duplicates by recipient, kind and key are dropped) and have them sent after commit."""
    Notification.objects.bulk_create(list(notifications), ignore_conflicts=True)
    dispatch_soon()


def dispatch_soon() -> None:
    """After commit, ask a worker to send what is pending now. If the broker is down, the next sweep sends it."""
    publish_soon(dispatch_task)


def publish_soon(task) -> None:
    """After commit, publish `task` (no arguments); a broker outage is logged, never raised (the sweep catches up)."""

    def publish():
        try:
            task.delay()
        except Exception as error:  # noqa: BLE001 - a broker outage must not reach the user
            logger.warning("broker unavailable, %s waits for the next sweep: %s", task.name, type(error).__name__)

    transaction.on_commit(publish, robust=True)


def retry(*, notification: Notification) -> None:
    """A manager sends a failed notification again."""
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    dispatch_soon()


def mark_read(*, user, now: datetime) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=now)


# --- Sending --------------------------------------------------------------------


@dataclass
class _Claimed:
    """One claimed row as the claiming UPDATE returned it: enough to list it without loading its body."""

    pk: int
    recipient_id: int
    kind: str
    subject: str
    link: str
    attempts: int


@dataclass
class _Mail:
    """One e-mail to write: the notifications it carries."""

    recipient_id: int
    rows: list[_Claimed] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 2, 4, 8 … minutes, at most an hour (e-mails and webhooks)."""
    return timedelta(minutes=min(2**attempts, 60))


def claim(due: QuerySet, *, now: datetime, limit: int, returning: Sequence[str], claimed_status: str) -> list[tuple]:
    """Take up to `limit` rows of `due` in one UPDATE … RETURNING, so no other worker sends them.

    `due` (a filter on the outbox table's own columns) is the definition of
    "due", used to pick the rows. PostgreSQL locks them as it picks them and
    skips rows another worker is claiming at the same moment (a row changed
    meanwhile is checked again by the lock); SQLite, without row locks,
    checks each row again as it is updated. The rows are set to `claimed_status` with `claimed_at = now`.
    Shared by the e-mails (Notification) and the webhooks (WebhookDelivery).
    """
    model = due.model
    picked = due.order_by("next_attempt_at", "pk").values("pk")[:limit]
    due_sql, due_params = picked.query.sql_with_params()
    if connection.features.has_select_for_update_skip_locked:
        due_sql += " FOR UPDATE SKIP LOCKED"
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(f"{table}.{connection.ops.quote_name(name)}" for name in returning)
    claimed = [claimed_status, db_value(model, "claimed_at", now)]
    if connection.vendor == "postgresql":
        # The due rows are picked and locked once, in a CTE of their own, and the UPDATE finds each by its
        # primary key. The rows are ours (locked; a row changed meanwhile was re-checked by the lock), so the
        # definition is not repeated on the target: with it, on statistics from before a sweep added 100,000
        # notices, the planner scanned the outbox index per claimed row (the bench's dispatch never finished).
        sql = (
            f"WITH due (id) AS MATERIALIZED ({due_sql}) "  # noqa: S608 - names from the model, values bound
            f"UPDATE {table} SET status = %s, claimed_at = %s "
            f"WHERE {table}.id = ANY(ARRAY(SELECT id FROM due)) RETURNING {columns}"
        )
        params = [*due_params, *claimed]
    else:  # SQLite: no row locks, so each row is checked again as it is updated
        still_due, still_params = where_sql(due)
        sql = (
            f"UPDATE {table} SET status = %s, claimed_at = %s "  # noqa: S608 - names from the model, values bound
            f"WHERE id IN ({due_sql}) AND {still_due} RETURNING {columns}"
        )
        params = [*claimed, *due_params, *still_params]
    with transaction.atomic(using=due.db), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _claim(now: datetime, limit: int) -> list[_Claimed]:
    """Take up to `limit` due notifications (`NotificationQuerySet.due_for_sending`) for this run alone."""
    rows = claim(
        Notification.objects.due_for_sending(now),
        now=now,
        limit=limit,
        returning=("id", "recipient_id", "kind", "subject", "link", "attempts"),
        claimed_status=Notification.Status.SENDING,
    )
    return [_Claimed(*row) for row in rows]


def _mails(claimed: list[_Claimed]) -> list[_Mail]:
    """One e-mail per person for the ordinary notifications, one per standalone notification (digest, report)."""
    together: dict[int, _Mail] = {}
    alone: list[_Mail] = []
    for row in sorted(claimed, key=lambda row: row.pk):
        if row.kind in Notification.STANDALONE_KINDS:
            alone.append(_Mail(row.recipient_id, [row]))
        else:
            together.setdefault(row.recipient_id, _Mail(row.recipient_id)).rows.append(row)
    return [*together.values(), *alone]


def _message(mail: _Mail, email: str, whole: dict[int, Notification], conn) -> EmailMultiAlternatives:
    """A notification as itself when it is alone; several as a list: the count, the first lines, a link."""
    if len(mail.rows) == 1:
        notification = whole[mail.rows[0].pk]
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body + (f"\n\n{settings.SITE_URL}{notification.link}" if notification.link else ""),
            to=[email],
            connection=conn,
        )
        if notification.html_body:
            message.attach_alternative(notification.html_body, "text/html")
        if notification.attachment:
            message.attach(notification.attachment_name, bytes(notification.attachment), XLSX)
        return message
    shown = settings.OUTBOX_LINES_PER_EMAIL
    subject, body = notice_text(
        "contactcare/email/notifications.txt",
        {
            "count": len(mail.rows),
            "rows": mail.rows[:shown],
            "more": max(len(mail.rows) - shown, 0),
            "inbox": resolve_url(settings.NOTIFICATIONS_URL),
        },
    )
    return EmailMultiAlternatives(subject=subject, body=body, to=[email], connection=conn)


def _sent(rows: list[_Claimed]) -> None:
    Notification.objects.filter(pk__in=id_set([row.pk for row in rows])).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
    )


def _failed(rows: list[_Claimed], now: datetime, error: Exception) -> None:
    """Back to pending with backoff; FAILED (listed for managers, never dropped) after the last attempt."""
    last = settings.NOTIFICATION_MAX_ATTEMPTS
    attempts = max(row.attempts for row in rows) + 1
    Notification.objects.filter(pk__in=id_set([row.pk for row in rows])).update(
        status=Case(
            When(attempts__gte=last - 1, then=Value(Notification.Status.FAILED)),
            default=Value(Notification.Status.PENDING),
        ),
        attempts=F("attempts") + 1,
        last_error=type(error).__name__,
        next_attempt_at=now + backoff(attempts),
    )
    logger.warning("%s notifications not sent (attempt %s): %s", len(rows), attempts, type(error).__name__)


def dispatch(*, now: datetime, limit: int | None = None) -> int:
    """E-mail the notifications that are due; returns how many notifications went out.

    Queries: a constant few per run plus one per e-mail (marking its
    notifications sent), never one per notification. What is guaranteed:
    a notification is claimed by one run only; it is marked sent right after
    its e-mail went, so a crash between the two resends that one e-mail (after
    STUCK_AFTER), and nothing else. People without an e-mail address have
    their notifications in the app only.
    """
    Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Notification.Status.PENDING
    )
    claimed = _claim(now, limit or settings.OUTBOX_BATCH)
    if not claimed:
        return 0
    mails = _mails(claimed)
    singles = [mail.rows[0].pk for mail in mails if len(mail.rows) == 1]
    whole = {n.pk: n for n in Notification.objects.filter(pk__in=id_set(singles))} if singles else {}
    people = sorted({mail.recipient_id for mail in mails})
    emails = dict(get_user_model().objects.filter(pk__in=id_set(people)).values_list("pk", "email"))
    sent = 0
    conn = get_connection()
    try:
        conn.open()
    except Exception as error:  # noqa: BLE001 - whatever the mail backend raises, retry later
        _failed(claimed, now, error)
        return 0
    try:
        for mail in mails:
            email = emails.get(mail.recipient_id)
            try:
                if email:
                    conn.send_messages([_message(mail, email, whole, conn)])
            except Exception as error:  # noqa: BLE001 - whatever the mail backend raises, retry later
                _failed(mail.rows, now, error)
            else:
                _sent(mail.rows)
                sent += len(mail.rows)
    finally:
        conn.close()
    return sent


# --- The heartbeat --------------------------------------------------------------


def run(name: str, work: Callable[[datetime], int]) -> int:
    """Run one sweep and record that it ran (and what it did)."""
    started = timezone.now()
    result = work(started)
    updated = SweepRun.objects.filter(name=name).update(
        last_started_at=started, last_finished_at=timezone.now(), last_result=result, runs=F("runs") + 1
    )
    if not updated:
        SweepRun.objects.get_or_create(
            name=name,
            defaults={"last_started_at": started, "last_finished_at": timezone.now(), "last_result": result, "runs": 1},
        )
    return result


def dispatch_sweep() -> int:
    return run(DISPATCH, lambda now: dispatch(now=now))


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def dispatch_task() -> int:
    """Thin: no arguments to go stale, safe to run twice (claims are exclusive)."""
    return dispatch_sweep()

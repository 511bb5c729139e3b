"""Thin Celery tasks: no arguments to go stale, a service call each, safe to run twice.

Retried with backoff on transient errors (database or network), acknowledged
late so a worker that dies mid-task leaves it for another.
"""

from celery import shared_task
from django.db import DatabaseError

from . import retention, sweeps

RETRY = {
    "acks_late": True,
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(**RETRY)
def broken_promises_sweep_task() -> int:
    return sweeps.broken_promises_sweep()


@shared_task(**RETRY)
def notifications_dispatch_task() -> int:
    """Moved to contactcare.outbox.dispatch_task (issue 11); kept one round for messages already queued."""
    return sweeps.notifications_dispatch_sweep()


@shared_task(**RETRY)
def daily_digests_task() -> int:
    return sweeps.digests_sweep()


@shared_task(**RETRY)
def retention_list_task() -> int:
    """This month's retention list (issue 10), once: see followups.retention."""
    return sweeps.run(sweeps.RETENTION_LIST, lambda now: retention.retention_review_build(now=now))


@shared_task(**RETRY)
def retention_erase_task() -> int:
    """Erase what a manager confirmed, a batch per run; the next run continues."""
    return sweeps.run(sweeps.RETENTION_ERASE, lambda now: retention.retention_erase_confirmed(now=now))


@shared_task(**RETRY)
def checkins_overdue_webhooks_task() -> int:
    """`checkin.overdue` webhooks (issue 12), hourly; the deliveries' unique key keeps each to once."""
    return sweeps.checkins_overdue_webhooks_sweep()


@shared_task(**RETRY)
def keep_informed_sweep_task() -> int:
    """Keep-informed check-ins the services did not plan (issue 13); one per promise, however often it runs."""
    return sweeps.keep_informed_sweep()


@shared_task(**RETRY)
def handovers_waiting_task() -> int:
    """Handovers waiting too long (issue 13), every minute; the notices' unique key tells each lead once."""
    return sweeps.handovers_waiting_sweep()

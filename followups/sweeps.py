"""The periodic sweeps Celery beat runs, each recording when it ran.

If the scheduler stops, the records go stale and the app says so (a banner,
/healthz, the status page): reminders cannot fail silently.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contactcare import outbox, webhooks
from contactcare.models import SweepRun
from contactcare.services import system_user

from . import handovers, keep_informed, notifications, services, webhook_events
from .models import Promise

BROKEN_PROMISES = "promises-broken"
DISPATCH = outbox.DISPATCH
DIGESTS = "daily-digests"
KEEP_INFORMED = "keep-informed"  # issue 13: catches up keep-informed check-ins the services did not plan
# Only beat starts this sweep, every minute: its silence means the scheduler is
# down. (Dispatch also runs when a request nudges it, so it proves less.)
HEARTBEAT = BROKEN_PROMISES
WEEKLY_REPORT = "weekly-report"  # recorded by reports.services
RETENTION_LIST = "retention-list"  # followups.retention: the month's list, and erasing what was confirmed
RETENTION_ERASE = "retention-erase"
WEBHOOKS_DISPATCH = webhooks.DISPATCH
WEBHOOKS_CHECKINS_OVERDUE = webhooks.CHECKINS_OVERDUE
HANDOVERS_WAITING = "handovers-waiting"  # issue 13: handovers waiting too long, told to the team lead
SAY_YOU_SEE_IT = "say-you-see-it"  # issue 14: recorded by coaching.services, the leads' weekly notice

# What the Status page calls each sweep, and what the number of its last run counts.
SWEEP_NAMES = {
    BROKEN_PROMISES: _("Broken promises"),
    DISPATCH: _("Sending e-mails"),
    DIGESTS: _("Morning digests"),
    KEEP_INFORMED: _("Keeping customers informed"),
    WEEKLY_REPORT: _("Weekly report e-mails"),
    RETENTION_LIST: _("Retention list"),
    RETENTION_ERASE: _("Retention erasure"),
    WEBHOOKS_DISPATCH: _("Sending webhooks"),
    WEBHOOKS_CHECKINS_OVERDUE: _("Webhooks for overdue check-ins"),
    HANDOVERS_WAITING: _("Handovers waiting too long"),
    SAY_YOU_SEE_IT: _("Say you see it: the leads' weekly notice"),
}


def sweep_label(name: str) -> str:
    return str(SWEEP_NAMES.get(name, name))


def sweep_result(name: str, count: int) -> str:
    """The last run's number in words: "2 promises found broken"."""
    texts = {  # whole ngettext calls, so that makemessages finds them
        BROKEN_PROMISES: lambda n: ngettext("%(count)s promise found broken", "%(count)s promises found broken", n),
        DISPATCH: lambda n: ngettext("%(count)s notification e-mailed", "%(count)s notifications e-mailed", n),
        DIGESTS: lambda n: ngettext("%(count)s digest written", "%(count)s digests written", n),
        KEEP_INFORMED: lambda n: ngettext(
            "%(count)s keep-informed check-in planned", "%(count)s keep-informed check-ins planned", n
        ),
        WEEKLY_REPORT: lambda n: ngettext("%(count)s report e-mail written", "%(count)s report e-mails written", n),
        RETENTION_LIST: lambda n: ngettext("%(count)s customer listed", "%(count)s customers listed", n),
        RETENTION_ERASE: lambda n: ngettext("%(count)s customer erased", "%(count)s customers erased", n),
        WEBHOOKS_DISPATCH: lambda n: ngettext("%(count)s webhook delivered", "%(count)s webhooks delivered", n),
        WEBHOOKS_CHECKINS_OVERDUE: lambda n: ngettext(
            "%(count)s webhook delivery written", "%(count)s webhook deliveries written", n
        ),
        HANDOVERS_WAITING: lambda n: ngettext(
            "%(count)s team lead told about a handover", "%(count)s team leads told about a handover", n
        ),
        SAY_YOU_SEE_IT: lambda n: ngettext(
            "%(count)s team lead told what to see", "%(count)s team leads told what to see", n
        ),
    }
    if name not in texts:
        return str(count)
    return texts[name](count) % {"count": count}


run = outbox.run  # the heartbeat; re-exported for one round (reports.services calls sweeps.run)


# How far back a run looks before the previous run's start: a promise saved while that run was running
# (a transaction still open) is looked at again. The notices' unique key keeps it to one notice.
BROKEN_PROMISES_OVERLAP = timedelta(minutes=10)


def broken_promises_sweep() -> int:
    """The promises that fell due since the previous run (all that are open past due, the first time)."""
    last = SweepRun.objects.filter(name=BROKEN_PROMISES).values_list("last_started_at", flat=True).first()
    since = last - BROKEN_PROMISES_OVERLAP if last is not None else None
    return run(BROKEN_PROMISES, lambda now: services.promises_mark_broken(now=now, since=since))


def notifications_dispatch_sweep() -> int:
    return outbox.dispatch_sweep()


def checkins_overdue_webhooks_sweep() -> int:
    """`checkin.overdue` for the check-ins whose due date passed, once each (issue 12)."""
    return run(WEBHOOKS_CHECKINS_OVERDUE, lambda now: webhook_events.checkins_overdue(now=now))


def handovers_waiting_sweep() -> int:
    """Team leads told about the handovers that wait too long, once each (issue 13)."""
    return run(HANDOVERS_WAITING, lambda now: handovers.handovers_escalate(now=now))


def digests_sweep() -> int:
    return run(DIGESTS, lambda now: notifications.digests_create(now=now))


def keep_informed_sweep() -> int:
    """Keep-informed check-ins for the open promises that have none (issue 13): those made before the desk kept
    customers informed, or while it was switched off. Logging a contact plans the rest itself."""
    return run(
        KEEP_INFORMED,
        lambda now: keep_informed.updates_plan(promises=Promise.objects.all(), actor=system_user(), now=now),
    )


def reminders_delayed(*, now: datetime) -> bool:
    """True when the scheduler has been silent for longer than REMINDERS_DELAYED_AFTER_MINUTES.

    Silent means: the heartbeat sweep last finished longer ago than that, or
    it never ran although the database has existed for longer than that. A
    fresh start (a new database, the worker still starting) is not a delay:
    the first sweep had no chance to run yet. The banner, /healthz and the
    Status page all ask this one question.
    """
    threshold = timedelta(minutes=settings.REMINDERS_DELAYED_AFTER_MINUTES)
    last = SweepRun.objects.filter(name=HEARTBEAT).values_list("last_finished_at", flat=True).first()
    if last is not None:
        return now - last > threshold
    created = database_created_at()
    return created is not None and now - created > threshold


def database_created_at() -> datetime | None:
    """When this database was set up: the first migration applied to it."""
    recorder = MigrationRecorder(connection)
    return recorder.migration_qs.order_by("applied").values_list("applied", flat=True).first()

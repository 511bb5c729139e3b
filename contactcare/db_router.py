"""Reports and exports may read from a replica; everything else reads and writes the primary.

With DATABASE_REPLICA_URL set, settings define the "replica" alias and
name it REPORT_DATABASE. Code
that reads for a report or an export wraps itself in `replica_reads()`;
inside it, reads go to the replica. Writes always go to the primary, and
without a replica every read does too. A context rather than per-model
rules: the same models are read for a person's screen (their own writes must
show at once, so the primary) and for a report (a replica's second of lag
is fine).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_reading_for_report: ContextVar[bool] = ContextVar("reading_for_report", default=False)


def replica_configured() -> bool:
    return settings.REPORT_DATABASE == REPLICA


def report_db() -> str:
    """The alias a report or export reads from now: the replica when there is one and we are in replica_reads()."""
    return REPLICA if _reading_for_report.get() and replica_configured() else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _reading_for_report.set(True)
    try:
        yield
    finally:
        _reading_for_report.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return report_db() if _reading_for_report.get() else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication

"""The sweeps at full size, in a process of their own as the Celery worker runs them (bench/run.py starts it).

    DJANGO_SETTINGS_MODULE=bench.settings BENCH_MAIL_DIR=/tmp/… DATABASE_URL=… python bench/sweeps.py --backlog 100000

1. `--backlog` promises become newly broken (open, due minutes to hours ago, not yet noticed);
2. the broken-promise sweep runs until it finds nothing more (or `--max-seconds` is up): marked and noticed;
3. the dispatch sweep runs until nothing is pending: the e-mails are counted in BENCH_MAIL_DIR, per person;
4. the morning digest is written for everyone (DIGEST_TIME is set to 00:00 for this) and sent.

Everything is put back afterwards (the promises, the notifications written here), so the
dataset stays reusable. Prints one JSON line with the numbers.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ["DIGEST_TIME"] = "00:00"

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench import dataset  # noqa: E402
from contactcare import outbox  # noqa: E402
from contactcare.models import SweepRun  # noqa: E402
from followups import services, sweeps  # noqa: E402

SEPARATOR = "-" * 79


def mails(directory: Path) -> tuple[int, Counter]:
    """(messages, messages per recipient) written by Django's file-based backend."""
    count, per_person = 0, Counter()
    for path in directory.glob("*"):
        for message in path.read_text(errors="replace").split("\n" + SEPARATOR + "\n"):
            if not message.strip():
                continue
            count += 1
            head = message.split("\n\n", 1)[0]
            match = re.search(r"^To: (.+)$", head, re.MULTILINE)
            per_person[match.group(1).strip() if match else "?"] += 1
    return count, per_person


def watched(work, limit: float):
    """Run `work()`; past `limit` seconds its running statement is cancelled (it raises a DatabaseError).

    A sweep whose plan goes quadratic on a sudden backlog would otherwise hold the bench for an hour.
    """
    connection.ensure_connection()
    raw = connection.connection
    timer = threading.Timer(limit, raw.cancel)
    timer.start()
    try:
        return work()
    finally:
        timer.cancel()


def until_done(work, max_seconds: float) -> tuple[float, int, int]:
    """Run a sweep until it returns 0 or `max_seconds` are up: (seconds, runs, sum of what it returned)."""
    started, runs, total = time.perf_counter(), 0, 0
    while True:
        left = max_seconds - (time.perf_counter() - started)
        done = watched(work, max(left, 1.0))
        runs += 1
        total += done
        if not done or time.perf_counter() - started > max_seconds:
            return time.perf_counter() - started, runs, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backlog", type=int, default=100_000)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="per sweep; then the rest is estimated")
    args = parser.parse_args()
    mail_dir = Path(os.environ["BENCH_MAIL_DIR"])
    notification = next(m for m in apps.get_models() if m.__name__ == "Notification")
    table = notification._meta.db_table
    with connection.cursor() as cursor:
        # Whatever an earlier, interrupted run left: its notifications, then its promises.
        cursor.execute("SELECT to_regclass('bench_sweep_mark') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(f"DELETE FROM {table} WHERE id > (SELECT first_new FROM bench_sweep_mark)")  # noqa: S608
            cursor.execute("DROP TABLE bench_sweep_mark")
        dataset.sweep_backlog_restore()
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
        first_new = cursor.fetchone()[0]
        cursor.execute("CREATE TABLE bench_sweep_mark AS SELECT %s::bigint AS first_new", [first_new])
    result = {"backlog": args.backlog}
    # A worker is a long-running process: warm this one (its connection, translations, templates) with runs
    # that find nothing, so that the timings below are of the work, not of starting up.
    long_ago = timezone.now() - timedelta(days=3650)
    services.promises_mark_broken(now=long_ago, since=long_ago)
    outbox.dispatch(now=long_ago)

    def phase(name: str, work) -> None:
        """One phase; if a statement of it is cancelled, the phase says so and the next one still runs."""
        result[name] = {"seconds": args.max_seconds, "finished": False, "runs": 0}
        try:
            result[name] = work()
        except DatabaseError as error:
            result[name]["error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
            result.setdefault("error", f"{name}: {result[name]['error']}")
            connection.close()

    def broken() -> dict:
        seconds, runs, marked = until_done(sweeps.broken_promises_sweep, args.max_seconds)
        finished = marked >= prepared
        return {
            "seconds": round(seconds, 2),
            "runs": runs,
            "marked": marked,
            "notices": notification.objects.filter(pk__gt=first_new, kind="promise_broken").count(),
            "finished": finished,
            "estimated_seconds": round(seconds * prepared / marked, 1) if marked and not finished else None,
        }

    def dispatch() -> dict:
        seconds, runs, sent = until_done(sweeps.notifications_dispatch_sweep, args.max_seconds)
        count, per_person = mails(mail_dir)
        pending = notification.objects.filter(pk__gt=first_new, status__in=["pending", "sending"]).count()
        finished = pending == 0
        return {
            "seconds": round(seconds, 2),
            "runs": runs,
            "returned": sent,
            "emails": count,
            "recipients": len(per_person),
            "max_per_person": max(per_person.values(), default=0),
            "pending_left": pending,
            "finished": finished,
            "estimated_seconds": round(seconds * (sent + pending) / sent, 1) if sent and not finished else None,
        }

    def digest() -> dict:
        for path in mail_dir.glob("*"):
            path.unlink()
        # What is still pending from the phases before is not the digest's to send.
        notification.objects.filter(pk__gt=first_new, status__in=["pending", "sending"]).update(status="failed")
        started = time.perf_counter()
        written = watched(sweeps.digests_sweep, args.max_seconds)
        written_seconds = time.perf_counter() - started
        seconds, runs, _ = until_done(sweeps.notifications_dispatch_sweep, args.max_seconds)
        finished = not notification.objects.filter(pk__gt=first_new, status__in=["pending", "sending"]).exists()
        count, _ = mails(mail_dir)
        digests = notification.objects.filter(pk__gt=first_new, kind="digest")
        sizes = [len(body) for body in digests.values_list("body", flat=True)]
        return {
            "seconds": round(written_seconds + seconds, 2),
            "write_seconds": round(written_seconds, 2),
            "send_seconds": round(seconds, 2),
            "runs": runs,
            "written": written,
            "emails": count,
            "largest_body_kb": round(max(sizes, default=0) / 1024, 1),
            "finished": finished,
        }

    try:
        now = timezone.now()
        prepared = dataset.sweep_backlog_prepare(count=args.backlog, now=now)
        result["backlog"] = prepared
        # An outage: the scheduler last ran before the first of them broke, so the next run has them all to do.
        SweepRun.objects.filter(name=sweeps.BROKEN_PROMISES).update(
            last_started_at=now - dataset.SWEEP_BACKLOG_SPREAD - timedelta(minutes=1)
        )
        with connection.cursor() as cursor:
            # As the tables would be after three days of ordinary work (autovacuum ran), not right after the
            # bench's own mass UPDATE of the backlog and its clean-up of the last run.
            cursor.execute(f"VACUUM ANALYZE followups_promise, {table}")
            cursor.execute(
                "SELECT count(DISTINCT owner_id) FROM followups_promise WHERE id IN (SELECT id FROM bench_sweep_saved)"
            )
            result["owners"] = cursor.fetchone()[0]
        phase("broken", broken)
        phase("dispatch", dispatch)
        phase("digest", digest)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [first_new])  # noqa: S608
            cursor.execute("DROP TABLE IF EXISTS bench_sweep_mark")
        dataset.sweep_backlog_restore()
        with connection.cursor() as cursor:  # the pages after this see the tables as they were
            cursor.execute(f"VACUUM ANALYZE followups_promise, {table}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

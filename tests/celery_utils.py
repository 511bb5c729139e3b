"""Running and reaching real Celery workers from tests."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from contactcare.celery import app

ROOT = Path(settings.BASE_DIR)


@contextmanager
def broker(url: str, transport_options: dict | None = None):
    """Point this process's Celery app at another broker for the duration (publishing side)."""
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url, app.conf.broker_transport_options = url, transport_options or {}
    app._after_fork()  # drop pooled connections to the previous broker
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        app._after_fork()


def redis_test_url(offset: int = 0) -> str:
    """The Redis database this test process uses: CELERY_TEST_REDIS_URL's (default /15), less `offset`, and two
    further down per pytest-xdist worker (gw0: 15 and 14, gw1: 13 and 12 …), so that two workers' Celery
    workers never take each other's tasks, nor channel groups meet."""
    base, _slash, number = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rpartition("/")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return f"{base}/{max(0, int(number or 15) - offset - 2 * int(worker or 0))}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


def database_url_for_workers() -> str:
    """The URL of the database this test runs on, for a worker in another process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A real `celery worker -B` process (worker with embedded beat) with its own environment."""

    def __init__(self, tmp_path: Path, broker_url: str, **env):
        self.log = tmp_path / "worker.log"
        self.mail_dir = tmp_path / "mail"
        self.env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url_for_workers(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "beat-schedule"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "SWEEP_INTERVAL_SECONDS": "1",
            "DIGEST_TIME": "00:00",  # whatever the hour the test runs at
            "WEEKLY_REPORT_TIME": "00:00",
            **env,
        }
        self.process = None

    def start(self, *, beat: bool = True) -> "Worker":
        arguments = [
            sys.executable, "-m", "celery", "-A", "contactcare", "worker",
            "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        if beat:
            arguments += ["-B", "--schedule", self.env["CELERY_BEAT_SCHEDULE_FILENAME"]]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                arguments, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def start_without_beat(self) -> "Worker":
        """Only the tasks a test sends run: nothing happens on a schedule."""
        return self.start(beat=False)

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL, timeout=10)

    def mails(self) -> str:
        if not self.mail_dir.exists():
            return ""
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.mail_dir.iterdir()))

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def wait_for(condition, *, timeout: float = 45, interval: float = 0.3, worker: Worker | None = None):
    """Poll `condition()` until it returns something truthy; fail with the worker's log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if worker and worker.process and worker.process.poll() is not None:
            raise AssertionError(f"the worker exited:\n{worker.output()[-4000:]}")
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout}s" + (f"; worker log:\n{worker.output()[-4000:]}" if worker else ""))

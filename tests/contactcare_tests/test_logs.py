"""Every process logs JSON lines without personal data: gunicorn, the app, the Celery worker and beat.

The process tests start the real programs, the way Procfile.stack and the
image do, and read what they wrote.
"""

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from contactcare.celery import app
from contactcare.logs import JsonFormatter, RedactPersonalDataFilter, redact
from followups.tasks import broken_promises_sweep_task

from ..celery_utils import Worker, broker, database_url_for_workers, free_port, wait_for

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
# What a desk types that must never reach a log line, as typed.
PERSONAL = ("erik@example.org", "erik%40example.org", "0644455566", "0201234567", "020 123 4567", "Jansen")
# Celery prints this from its signal handler (no logging there); it is the only line that is not JSON.
SHUTDOWN_NOTICE = "worker: Warm shutdown (MainProcess)"


# --- redact() --------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "0201234567",
        "020-1234567",
        "020 123 4567",
        "010 1234567",
        "(020) 123 4567",
        "0591-123456",
        "0612345678",
        "06-12345678",
        "06 1234 5678",
        "+31 20 123 4567",
        "+31612345678",
        "0031 6 12345678",
    ],
)
def test_dutch_and_international_phone_numbers_are_masked(number):
    assert redact(f"could not reach {number} today") == "could not reach [number] today"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23",
        "10:00",
        "2026-11-23 10:00:00",
        "2026-11-23T10:00:00.123+00:00",
        "0001-01-01T00:00",
        "2026-W47",
        "/customers/42/",
        "/customers/42/log/",
        "succeeded in 0.0123456789s",
        "notification 12345",
        "Did you remember to import the module?",
    ],
)
def test_dates_times_weeks_durations_and_ids_are_not_masked(text):
    assert redact(text) == text


def test_e_mail_addresses_and_phone_numbers_in_a_path_are_masked():
    assert redact("/customers/erik@example.org/0644455566/") == "/customers/[e-mail]/[number]/"
    assert redact("/customers/erik%40example.org/020 123 4567/") == "/customers/[e-mail]/[number]/"


# --- JsonFormatter ------------------------------------------------------------------


def test_an_access_record_becomes_one_json_object_with_its_fields_and_a_masked_path():
    fields = {"method": "GET", "path": "/customers/erik@example.org/", "status": 200, "bytes": 512, "duration_ms": 3.2}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%s %s", ("GET", fields["path"]), None)
    record.__dict__.update(fields)
    assert RedactPersonalDataFilter().filter(record)

    entry = json.loads(JsonFormatter().format(record))

    assert entry["message"] == "GET /customers/[e-mail]/"
    assert entry["path"] == "/customers/[e-mail]/"
    assert (entry["method"], entry["status"], entry["bytes"], entry["duration_ms"]) == ("GET", 200, 512, 3.2)
    assert entry.keys() >= {"time", "level", "logger"}


# --- the real processes ---------------------------------------------------------------


def _environment(**overrides) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **overrides}


@contextmanager
def _running(args: list[str], env: dict, log: Path):
    """A process with stdout and stderr in `log`, stopped with SIGTERM (as Docker and honcho do) at the end."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _json_lines(text: str) -> list[dict]:
    entries = []
    for line in text.splitlines():
        if line.strip() and line.strip() != SHUTDOWN_NOTICE:
            try:
                entries.append(json.loads(line))
            except ValueError:
                pytest.fail(f"not a JSON log line: {line!r}\n--- the whole log:\n{text}")
    return entries


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _request(port: int, path: str, method: str = "GET") -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_gunicorn_writes_json_access_and_error_lines_without_personal_data(db, tmp_path):
    port = free_port()
    env = _environment(
        DEBUG="0",
        SECRET_KEY="a-test-secret-key-that-is-long-enough-for-the-deploy-checks",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_HTTPS="0",
        DATABASE_URL=database_url_for_workers(),
        CELERY_BROKER_URL="memory://",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        STATIC_ROOT=str(tmp_path),
    )
    args = [
        str(BIN / "gunicorn"), "-c", "python:contactcare.gunicorn_conf", "contactcare.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket",
    ]  # fmt: skip
    log = tmp_path / "gunicorn.log"

    with _running(args, env, log) as process:
        wait_for(lambda: _accepts_connections(port) or process.poll() is not None, timeout=20)
        assert process.poll() is None, log.read_text()
        statuses = [
            _request(port, "/customers/erik@example.org/0644455566/?q=Jansen+0201234567"),
            _request(port, "/customers/erik%40example.org/020%20123%204567/"),
            _request(port, "/healthz", method="HEAD"),
        ]
        wait_for(lambda: log.read_text().count('"gunicorn.access"') >= 3, timeout=10)

    text = log.read_text()
    entries = _json_lines(text)
    access = [entry for entry in entries if entry["logger"] == "gunicorn.access"]
    assert [(entry["method"], entry["path"], entry["status"]) for entry in access] == [
        ("GET", "/customers/[e-mail]/[number]/", statuses[0]),
        ("GET", "/customers/[e-mail]/[number]/", statuses[1]),
        ("HEAD", "/healthz", 200),
    ]
    assert all(isinstance(entry["bytes"], int) and entry["duration_ms"] >= 0 for entry in access)
    assert any(entry["logger"] == "gunicorn.error" and "Listening at" in entry["message"] for entry in entries)
    assert not [word for word in (*PERSONAL, "?q=") if word in text]


def _celery_environment(tmp_path: Path) -> tuple[dict, dict]:
    """A worker's environment on kombu's filesystem transport in tmp_path, and the options to publish there."""
    queue = tmp_path / "queue"
    # Celery warns before any logging is set up when it runs as root, as it does in CI containers.
    root_warning = "ignore:You're running the worker with superuser privileges"
    env = Worker(tmp_path, "filesystem://", CELERY_QUEUE_DIR=str(queue), PYTHONWARNINGS=root_warning).env
    env = _environment(**env)
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    for key in ("data_folder_in", "processed_folder", "control_folder"):  # we may publish before the worker is up
        Path(options[key]).mkdir(parents=True, exist_ok=True)
    return env, options


def test_the_celery_worker_writes_json_lines_with_task_lines_masked(transactional_db, tmp_path):
    env, options = _celery_environment(tmp_path)
    args = [
        sys.executable, "-m", "celery", "-A", "contactcare", "--quiet", "worker",
        "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    log = tmp_path / "worker.log"

    with _running(args, env, log) as process:
        with broker("filesystem://", options):
            broken_promises_sweep_task.delay()
            # The worker logs the whole message of a task it does not know, arguments included.
            app.send_task("contactcare.no_such_task", args=["erik@example.org", "0201234567", "020 123 4567"])
        wait_for(lambda: ("succeeded in" in log.read_text() and "unregistered" in log.read_text()) or process.poll())
        assert process.poll() is None, log.read_text()

    text = log.read_text()
    entries = _json_lines(text)
    succeeded = [entry for entry in entries if "succeeded in" in entry["message"]]
    assert succeeded and succeeded[0]["task"] == "followups.tasks.broken_promises_sweep_task"
    assert succeeded[0]["task_id"]
    unknown = [entry for entry in entries if "unregistered" in entry["message"]]
    assert unknown and unknown[0]["level"] == "ERROR"
    assert "[e-mail]" in unknown[0]["message"] and "[number]" in unknown[0]["message"]
    assert any(entry["message"].endswith(" ready.") for entry in entries)
    assert not [word for word in PERSONAL if word in text]


def test_celery_beat_writes_json_lines(transactional_db, tmp_path):
    env, _ = _celery_environment(tmp_path)
    args = [
        sys.executable, "-m", "celery", "-A", "contactcare", "--quiet", "beat",
        "--schedule", str(tmp_path / "beat-schedule"),
    ]  # fmt: skip
    log = tmp_path / "beat.log"

    with _running(args, env, log) as process:
        wait_for(lambda: "Sending due task" in log.read_text() or process.poll(), timeout=20)
        assert process.poll() is None, log.read_text()
        time.sleep(0.2)  # a line being written when we stop it

    entries = _json_lines(log.read_text())
    assert any(entry["logger"] == "celery.beat" and "Sending due task" in entry["message"] for entry in entries)
    assert all(entry.keys() >= {"time", "level", "logger", "message"} for entry in entries)

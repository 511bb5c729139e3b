"""Structured logging that keeps personal data out of the logs.

Our own code logs ids, never names or numbers; this filter is the second
line of defence for what frameworks log (request lines, exception texts).
The web server (contactcare.gunicorn_conf), the worker and beat
(contactcare.celery) write the same JSON lines with the same masking.
"""

import json
import logging
import re
from datetime import UTC, datetime

from celery import current_task

# A request line such as "GET /customers/search/?q=Jansen HTTP/1.1": the query
# string carries what people typed (names, phone numbers, e-mail addresses).
_QUERY_STRING = re.compile(r"\?[^\s\"]+")
# Also percent-encoded (%40), as in a raw request line that gunicorn refuses.
_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+\.[\w.-]+", re.IGNORECASE)
# International numbers: +31…, 0031….
_PHONE_INTERNATIONAL = re.compile(r"(?:\+|\b00)[1-9][\d\s-]{7,}\d")
# Dutch numbers have ten digits and start with 0: mobiles (06 1234 5678) and
# landlines (0201234567, 020-1234567, (020) 123 4567, 0591-123456), grouped
# by spaces, hyphens or brackets. Not after a letter, digit, "+" or "." (then
# it is part of a word, a longer or international number, or a fraction such
# as a duration of 0.0123456789s) and not before a digit. Dates (2026-11-23),
# times (10:00), weeks (2026-W47) and ids (/customers/42/) have no such run.
_PHONE_NATIONAL = re.compile(r"(?<![\w+.])\(?0(?:[ \t()-]{0,2}\d){9}(?!\d)")

# The telephone system's endpoint has its secret token in the path (cti, issue 12): never in a log.
_CTI_TOKEN = re.compile(r"(/calls/events/)[^/\s\"?]+")

# Attributes of a record that become fields of their own: gunicorn's access
# lines (contactcare.gunicorn_conf) and Celery's task context.
EXTRA_FIELDS = ("method", "path", "status", "bytes", "duration_ms", "task", "task_id")


def redact(text: str) -> str:
    text = _QUERY_STRING.sub("?[redacted]", text)
    text = _CTI_TOKEN.sub(r"\1[token]", text)
    text = _EMAIL.sub("[e-mail]", text)
    text = _PHONE_INTERNATIONAL.sub("[number]", text)
    return _PHONE_NATIONAL.sub("[number]", text)


class RedactPersonalDataFilter(logging.Filter):
    """Strip query strings, e-mail addresses and phone numbers from records."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = ()
        return True


def _task_context() -> dict:
    """The running Celery task's name and id, as Celery's own task log format shows them."""
    if not current_task or not current_task.request.id:
        return {}
    return {"task": current_task.name, "task_id": current_task.request.id}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship and to search."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)  # Django's request loggers
        if status is not None:
            entry["status"] = status
        entry.update(_task_context())
        for field in EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = redact(value) if field == "path" else value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class DropMessageFilter(logging.Filter):
    """Drop records whose message starts with one of `prefixes`: known noise from a library, nothing else.

    kombu warns "No hostname was supplied. Reverting to default 'localhost'"
    on every connection of a transport that has no host at all (the
    filesystem transport of `make run`); that says nothing, and on every task
    it buries what does. Only that message goes: the logger's level, and its
    other warnings, stay as they are.
    """

    def __init__(self, prefixes=()):
        super().__init__()
        self.prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefixes)

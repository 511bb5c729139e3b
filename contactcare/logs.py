"""Structured logging that keeps personal data out of the logs.

Our own code logs ids, never names or numbers; this filter is the second
line of defence for what frameworks log (request lines, exception texts).
"""

import json
import logging
import re
from datetime import UTC, datetime

# A request line such as "GET /customers/search/?q=Jansen HTTP/1.1": the query
# string carries what people typed (names, phone numbers, e-mail addresses).
_QUERY_STRING = re.compile(r"\?[^\s\"]*")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# International (+31…, 0031…) and Dutch mobile (06…) numbers; dates and times stay.
_PHONE = re.compile(r"(?:\+|\b00)[1-9][\d\s-]{7,}\d|\b06[\s-]?\d{8}\b")


def redact(text: str) -> str:
    text = _QUERY_STRING.sub("?[redacted]", text)
    text = _EMAIL.sub("[e-mail]", text)
    return _PHONE.sub("[number]", text)


class RedactPersonalDataFilter(logging.Filter):
    """Strip query strings, e-mail addresses and phone numbers from records."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = ()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship and to search."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)

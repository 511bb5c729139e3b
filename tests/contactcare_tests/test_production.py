"""Production behaviour that is not a page: health checks and logs."""

import json
import logging
import sys

import pytest
from django.test import override_settings

from contactcare.logs import JsonFormatter, RedactPersonalDataFilter

from ..celery_utils import broker, free_port

pytestmark = pytest.mark.django_db


def test_healthz_is_503_when_the_broker_is_unreachable(client):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with broker(closed), override_settings(CELERY_BROKER_URL=closed):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"
    assert "refused" not in response.content.decode().lower()  # says that, never why


def _formatted(message, *args, exc=None):
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, message, args, exc)
    assert RedactPersonalDataFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_logs_are_json_lines_without_search_terms_phone_numbers_or_e_mail_addresses():
    entry = _formatted('"%s" %s %s', "GET /customers/search/?q=Jansen+0612345678 HTTP/1.1", 200, 512)
    mail = _formatted("could not send to %s at %s", "fleur@example.com", "+31 6 1234 5678")

    assert entry["logger"] == "django.server" and entry["level"] == "INFO"
    assert entry["message"] == '"GET /customers/search/?[redacted] HTTP/1.1" 200 512'
    assert mail["message"] == "could not send to [e-mail] at [number]"


def test_dates_and_ids_in_log_lines_survive_the_redaction():
    entry = _formatted("sweep %s ran at %s for notification %s", "promises-broken", "2026-11-23 07:30:00", 12345)

    assert entry["message"] == "sweep promises-broken ran at 2026-11-23 07:30:00 for notification 12345"


def test_exception_texts_are_redacted_too():
    try:
        raise ValueError("duplicate phone +31612345678")
    except ValueError:
        entry = _formatted("failed", exc=sys.exc_info())

    assert "+31612345678" not in entry["exception"]
    assert "[number]" in entry["exception"]

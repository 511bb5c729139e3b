"""Probes for /healthz: each answers True or False quickly and never raises."""

import logging
import os
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def database_ok(connection) -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - a health probe reports, it does not raise
        logger.warning("health: database unreachable")
        return False


def broker_ok() -> bool:
    from contactcare.celery import app

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return queue.is_dir() and os.access(queue, os.W_OK)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        logger.warning("health: broker unreachable")
        return False

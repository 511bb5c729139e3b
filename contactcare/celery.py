"""The Celery application; tasks live in each app's tasks.py."""

import logging.config
import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcare.settings")

app = Celery("contactcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def logging_setup(**kwargs) -> None:
    """Worker and beat log like the web app: settings.LOGGING's JSON lines, redacted.

    With a receiver on this signal Celery installs none of its own plain-text
    handlers; the level comes from LOG_LEVEL, not from --loglevel.
    """
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def filesystem_broker_prepare() -> None:
    """kombu's filesystem transport needs its folders to exist before anyone publishes or consumes."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


if str(app.conf.broker_url).startswith("filesystem://"):
    filesystem_broker_prepare()

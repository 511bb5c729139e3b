"""Thin Celery tasks of the contacts app: an id in, a service call, safe to run twice."""

from celery import shared_task
from django.db import DatabaseError

from . import imports


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def customer_import_task(import_id: int) -> int:
    """Import the lines of a customer file not imported yet; a retry resumes after the last whole batch."""
    return imports.customer_import_run(import_id=import_id).processed_rows


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def customer_import_check_task(import_id: int) -> int:
    """The dry run of a file too big to check in the upload request; reads only, so running it twice is harmless."""
    return imports.customer_import_check(import_id=import_id).total

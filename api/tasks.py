from celery import shared_task

from .services import idempotency_keys_expire


@shared_task(acks_late=True)
def idempotency_keys_expire_task() -> int:
    """Daily: forget idempotency keys past their 24 hours (each is also ignored when met after that)."""
    return idempotency_keys_expire()

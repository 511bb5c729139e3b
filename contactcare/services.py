"""Writes below the apps: submitting a form once, counters, the system actor."""

import uuid
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from .models import Counter, Submission

SYSTEM_USERNAME = "contactcare-system"


class AlreadySubmitted(Exception):
    """This form was submitted before; `target` is what that submission created (None if nothing)."""

    def __init__(self, target=None):
        super().__init__("already submitted")
        self.target = target


def submission_key_new() -> str:
    return str(uuid.uuid4())


def submission_key_parse(raw) -> uuid.UUID | None:
    """The key a form carried, or None when it carried none (or garbage: then it protects nothing)."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def submission_claim(*, actor, key) -> Submission | None:
    """Take `key` for `actor` inside the caller's transaction, or raise AlreadySubmitted.

    The unique (actor, key) index decides: a parallel submission waits for the
    first one's transaction and then finds the key taken. A first submission
    that failed (and rolled back) leaves the key free for the corrected retry.
    """
    key = submission_key_parse(key)
    if key is None or actor is None:
        return None
    try:
        with transaction.atomic():
            return Submission.objects.create(actor=actor, key=key)
    except IntegrityError:
        existing = Submission.objects.filter(actor=actor, key=key).select_related("target_type").first()
        raise AlreadySubmitted(existing.target if existing else None) from None


def submission_complete(submission: Submission | None, target: models.Model | None) -> None:
    """Remember what the submission created, so that a repeat can land on it."""
    if submission is None or target is None:
        return
    submission.target_type = ContentType.objects.get_for_model(target)
    submission.target_id = target.pk
    submission.save(update_fields=["target_type", "target_id"])


def counter_next(name: str, *, start: Callable[[], int], step: int = 1) -> int:
    """The next value of counter `name`, under a row lock; `start()` seeds a counter used for the first time.

    With `step`, that many values are taken at once and the last is returned.
    """
    with transaction.atomic():
        counter = Counter.objects.select_for_update().filter(name=name).first()
        if counter is None:
            try:
                with transaction.atomic():
                    Counter.objects.create(name=name, value=start())
            except IntegrityError:
                pass  # seeded by a parallel first use
            counter = Counter.objects.select_for_update().get(name=name)
        counter.value += step
        counter.save(update_fields=["value"])
        return counter.value


def system_user():
    """The actor of what no person did (sweeps, tasks, commands): can never log in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"first_name": "ContactCare", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user

"""Writes of the API app: personal tokens (create, revoke, use) and the expiry of idempotency keys."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.normalize import text_normalize

from .models import TOKEN_NAME_MAX_LENGTH, TOKEN_PREFIX_LENGTH, ApiToken, IdempotencyKey

TOKEN_BYTES = 32  # 256 random bits: no brute force, so a fast hash is enough (see ApiToken)
# Tokens say what they are (secret scanners and people recognise "cc_…"); the rest is urlsafe base64.
TOKEN_MARK = "cc_"  # noqa: S105 - a marker, not a secret
# A user keeps at most this many usable tokens: one per integration, not one per request.
TOKENS_PER_USER_MAX = 50


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_prefix(raw: str) -> str:
    return raw[:TOKEN_PREFIX_LENGTH]


@transaction.atomic
def token_create(*, user, actor, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new personal token for `user`: (the row, the token itself). The token is shown once and never stored."""
    name = text_normalize(name)
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the system that uses it.")}, code="required")
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": _("Keep the name to %(max)s characters (it has %(n)s).")
                % {"max": TOKEN_NAME_MAX_LENGTH, "n": len(name)}
            },
            code="max_length",
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("A token must expire in the future.")}, code="past")
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk").first()  # one count at a time
    if ApiToken.objects.usable().filter(user=user).count() >= TOKENS_PER_USER_MAX:
        raise ValidationError(
            _("You have %(max)s tokens already; revoke one you no longer use first.") % {"max": TOKENS_PER_USER_MAX},
            code="too_many",
        )
    raw = TOKEN_MARK + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=token_prefix(raw), token_hash=token_hash(raw), expires_at=expires_at
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token at once (idempotent: revoking twice keeps the first time)."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


# How often `last_used_at` is written: not on every request (a write per API call), once a minute at most.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def token_authenticate(raw: str) -> ApiToken | None:
    """The usable token `raw` is, with its user, or None. The hash is compared in constant time."""
    if not raw or len(raw) > 200 or "\x00" in raw:
        return None
    wanted = token_hash(raw)
    now = timezone.now()
    for token in ApiToken.objects.usable(now).select_related("user").filter(prefix=token_prefix(raw)):
        if secrets.compare_digest(token.token_hash, wanted):
            if token.last_used_at is None or token.last_used_at < now - LAST_USED_GRANULARITY:
                ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
                token.last_used_at = now
            return token
    return None


def idempotency_keys_expire(*, now: datetime | None = None) -> int:
    """Remove the idempotency keys older than API_IDEMPOTENCY_KEY_HOURS (the daily sweep); how many went."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.API_IDEMPOTENCY_KEY_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted

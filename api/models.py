"""Personal API tokens and the Idempotency-Key records of the REST API (issue 12)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX_LENGTH = 8
TOKEN_NAME_MAX_LENGTH = 100
IDEMPOTENCY_KEY_MAX_LENGTH = 255


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Not revoked, not expired: what authenticates."""
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token: it acts as its user, with that user's roles and permissions, nothing more.

    Only a SHA-256 of the token is stored. The token is 32 random bytes
    (256 bits) from `secrets`, so no dictionary or brute force can find it
    from its hash: a slow password hash (PBKDF2) would add nothing but
    ~100 ms to every API request. `prefix` (its first 8 characters, shown on
    the tokens page so people can tell their tokens apart) finds the row by
    index; the hash is then compared in constant time.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=TOKEN_NAME_MAX_LENGTH)
    prefix = models.CharField(_("prefix"), max_length=TOKEN_PREFIX_LENGTH, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)  # hex SHA-256
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` a user sent with a POST, and the answer it got (replayed for a repeat).

    Written in the same transaction as what the POST wrote, so a key exists
    exactly when its write does. Kept IDEMPOTENCY_KEY_HOURS (24 h), then
    removed by the daily sweep (and ignored when met before that). The answer
    may name a customer: `customer` lets erasing that customer drop it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    request_hash = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True)
    customer = models.ForeignKey("contacts.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created_idx")]

    def __str__(self):
        return self.key

"""Infrastructure every app writes through: one-time submission keys and counters.

Below the apps: `contacts`, `followups` and `reports` may import from here,
never the other way round.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    """A form submitted once: the key a create form carries, and what it created.

    The key is unique per person, enforced by the database, and written in the
    same transaction as what the form creates; a double click, the Back button
    or five parallel posts of the same form find the key taken and land on the
    first result instead of creating a second one.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField()
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"], name="submission_once_per_actor")]
        indexes = [models.Index(fields=["created_at"], name="submission_created_idx")]

    def __str__(self):
        return str(self.key)

    @property
    def target(self):
        if self.target_type_id is None:
            return None
        return self.target_type.get_object_for_this_type(pk=self.target_id)


class Counter(models.Model):
    """A named counter (the next customer number): incremented under a row lock, never derived from data."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name}={self.value}"


class PrivacyAudit(models.Model):
    """A privacy request carried out: which act, by whom, when, for which customer id and why — never personal data.

    The customer is kept as a bare id, not a foreign key: the row must survive
    whatever later happens to the customer, and says nothing about the person.
    """

    class Act(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASE = "erase", _("Erase")

    act = models.CharField(_("act"), max_length=10, choices=Act.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    customer_id = models.BigIntegerField(_("customer id"), db_index=True)
    # Why (a request reference): the form asks for no personal data, and the erase service refuses it.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("privacy audit entry")
        verbose_name_plural = _("privacy audit entries")
        permissions = [
            ("export_customer_data", _("Can export everything held on one customer")),
            ("erase_customer", _("Can erase one customer's personal data")),
        ]

    def __str__(self):
        return f"{self.act} #{self.customer_id}"

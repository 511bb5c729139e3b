"""Infrastructure every app writes through: one-time submission keys, counters, the outbox and the sweeps' heartbeat.

Below the apps: `contacts`, `followups` and `reports` may import from here,
never the other way round.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contactcare.choices import ChoiceLabels


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


class PrivacyAudit(ChoiceLabels, models.Model):
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


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def due_for_sending(self, now: datetime):
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)

    def failed(self):
        return self.filter(status=Notification.Status.FAILED)


class Notification(ChoiceLabels, models.Model):
    """A message to one person: shown in the app at once, and e-mailed by the dispatch sweep (contactcare.outbox).

    This table is the outbox: a notification is written in the same
    transaction as what caused it, so nothing is lost when the broker or the
    mail server is down; (recipient, kind, key) is unique, so a sweep that
    runs twice notifies once. The table keeps its name from when it lived in
    `followups` (moved in issue 11 without moving data).
    """

    class Kind(models.TextChoices):
        PROMISE_BROKEN = "promise_broken", _("Promise broken")
        PROMISE_ASSIGNED = "promise_assigned", _("Promise assigned to you")
        DIGEST = "digest", _("Morning digest")
        WEEKLY_REPORT = "weekly_report", _("Weekly report")
        HANDOVER = "handover", _("Customer handed over to you")  # issue 13
        HANDOVER_WAITING = "handover_waiting", _("Handover waiting too long")
        THANK_YOU = "thank_you", _("A thank-you note")  # issue 14: "say you see it"
        SAY_YOU_SEE_IT = "say_you_see_it", _("Last week's compliments and turnarounds")  # to a team lead

    # E-mailed on their own (they have their own layout or an attachment); the
    # other kinds pending for one person go out together as one e-mail.
    STANDALONE_KINDS = frozenset({Kind.DIGEST, Kind.WEEKLY_REPORT})

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # No index of its own: the unique key and the inbox index start with it (the broken-promise sweep writes
    # a hundred thousand rows after an outage; each index costs it about half a second). No foreign key in
    # the database either: PostgreSQL checks one per row written, and for that sweep that was 0.4 s of its
    # 2 s (issue 11). Every writer picks the recipient from the user table in the same statement or
    # transaction (the sweeps JOIN it, `enqueue` is given users), and deleting a user deletes their
    # notifications through this CASCADE, which Django carries out, not the database.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What it is about: "promise:42", "digest:2026-11-23". ASCII; on PostgreSQL compared bytewise (COLLATE
    # "C", set by migration 0005): the unique key's index is written for every notice, and a sweep after an
    # outage writes a hundred thousand (issue 11).
    key = models.CharField(max_length=100)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    html_body = models.TextField(blank=True)
    link = models.CharField(max_length=200, blank=True)
    attachment = models.BinaryField(null=True, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)  # an exception class, never message content
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "followups_notification"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["recipient", "kind", "key"], name="notification_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_outbox_idx"),
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
            # who already has today's digest / this week's report (only those kinds: the others need no entry)
            models.Index(
                fields=["kind", "key"],
                condition=Q(kind__in=["digest", "weekly_report"]),
                name="notification_kind_key_idx",
            ),
        ]

    def __str__(self):
        return self.subject


class SweepRun(models.Model):
    """When each periodic sweep last ran: reminders must not fail silently."""

    name = models.CharField(max_length=50, unique=True)
    last_started_at = models.DateTimeField(null=True)
    last_finished_at = models.DateTimeField(null=True)
    last_result = models.IntegerField(default=0)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "followups_sweeprun"
        ordering = ["name"]
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        permissions = [("view_followup_status", _("Can see the status of reminders and notifications"))]

    def __str__(self):
        return self.name


# --- Outgoing webhooks (issue 12) ---------------------------------------------------


class WebhookEvent(models.TextChoices):
    """What a desk's other systems can subscribe to (the payloads: contactcare.webhooks and README "Webhooks")."""

    CONTACT_LOGGED = "contact.logged", _("Contact logged")
    PROMISE_BROKEN = "promise.broken", _("Promise broken")
    PROMISE_KEPT = "promise.kept", _("Promise kept")
    CHECKIN_OVERDUE = "checkin.overdue", _("Check-in overdue")


class WebhookEndpoint(models.Model):
    """A URL a manager registered for some events; every delivery to it is signed with its secret.

    The secret is stored as it is (it signs, so it must be readable), shown to
    the manager once, and rotatable; the history leaves it out.
    """

    url = models.CharField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        permissions = [("manage_webhooks", _("Can register outgoing webhooks and see their deliveries"))]

    def __str__(self):
        return self.url


class WebhookDeliveryQuerySet(models.QuerySet):
    def due(self, now: datetime):
        """Waiting (or failed and retried) and due now, for an endpoint that is not paused."""
        return self.filter(
            status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED],
            next_attempt_at__lte=now,
            endpoint_id__in=WebhookEndpoint.objects.filter(is_active=True).values("pk"),
        )


class WebhookDelivery(ChoiceLabels, models.Model):
    """One event for one endpoint: a row of the outbox, sent (signed, retried with backoff) by contactcare.webhooks.

    (endpoint, event_key) is unique: an event is delivered to an endpoint once,
    however often it is emitted. The payload holds ids and non-personal fields
    only; `customer_id` (a bare id) lets erasing a customer delete its deliveries.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will be retried")
        DEAD = "dead", _("Given up")

    uuid = models.UUIDField(unique=True)  # the delivery's id for the receiver (payload "id", X-ContactCare-Delivery)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=30)
    event_key = models.CharField(max_length=120)  # "contact.logged:42"
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    payload = models.JSONField(default=dict)  # the event's "data"
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)  # a status or exception class only
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_outbox_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent_idx"),
        ]

    def __str__(self):
        return self.event_key

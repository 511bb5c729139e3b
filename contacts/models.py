from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contactcare.choices import ChoiceLabels
from contactcare.id_urls import id_url


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class Topic(models.Model):
    """A managed list of what contacts are about (billing, repair, moving house…)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


# Sentiment runs 1 (very negative) to 5 (very positive); 1 and 2 are negative.
NEGATIVE_SENTIMENT_MAX = 2


def ended_negative(prefix: str = "") -> Q:
    """A contact that ended negative (sentiment at its end 1 or 2), said once; `prefix` "last_contact_" asks it
    of a customer's last contact (Customer.last_contact_sentiment_end)."""
    return Q(**{f"{prefix}sentiment_end__lte": NEGATIVE_SENTIMENT_MAX})


class Customer(ChoiceLabels, models.Model):
    class Language(models.TextChoices):
        DUTCH = "nl", _("Dutch")
        ENGLISH = "en", _("English")

    customer_number = models.CharField(
        _("customer number"),
        max_length=20,
        unique=True,
        error_messages={"unique": _("Another customer already has this customer number.")},
    )
    full_name = models.CharField(_("name"), max_length=150)
    preferred_address = models.CharField(
        _("preferred form of address"),
        max_length=150,
        blank=True,
        help_text=_("How the customer likes to be addressed, e.g. “Mrs De Vries” or “Jan”."),
    )
    # E.164 (+31612345678): one spelling, however it was typed, so that an
    # exact index finds it.
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)  # stored lower-case
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.DUTCH)
    # Lower-case, accents removed: what name search matches against (a
    # trigram index on PostgreSQL, see migration 0002).
    search_name = models.CharField(max_length=150, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Denormalised from the newest contact moment, so that the customer list
    # filters and sorts on indexes instead of scanning contacts per customer.
    # Written only by contacts.services (contact_moment_create and
    # customer_last_contact_refresh), never by a form; not an edit, so not in
    # the history.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    last_contact_team = models.ForeignKey(
        Team,
        verbose_name=_("team of last contact"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The newest contact's sentiment at its end, kept with last_contact_at (issue 14): "Losing touch" finds the
    # customers whose last contact ended negative on an index, without reading their contacts.
    last_contact_sentiment_end = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Set when this customer was a duplicate merged into another (followups.merge): the row stays, so
    # that its customer number keeps finding the survivor; its personal fields are blanked.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )

    history = HistoricalRecords(excluded_fields=["last_contact_at", "last_contact_team", "last_contact_sentiment_end"])
    objects = models.Manager()

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("merge_customer", _("Can merge two customers"))]
        # The customer list's keyset orders: by name; by last contact; by last contact within a team.
        indexes = [
            models.Index(fields=["full_name", "id"], name="customer_name_id_idx"),
            models.Index(fields=["last_contact_at", "id"], name="customer_last_contact_idx"),
            models.Index(fields=["last_contact_team", "last_contact_at", "id"], name="customer_team_last_contact_idx"),
            # "Losing touch" (issue 14): customers whose last contact ended negative, by last contact, per team
            models.Index(
                fields=["last_contact_at", "id"],
                condition=ended_negative("last_contact_"),
                name="customer_negative_idx",
            ),
            models.Index(
                fields=["last_contact_team", "last_contact_at", "id"],
                condition=ended_negative("last_contact_"),
                name="customer_team_negative_idx",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.customer_number})"

    def get_absolute_url(self):
        return id_url("contacts:customer-detail", self.pk)

    @property
    def form_of_address(self) -> str:
        return self.preferred_address or self.full_name


class CustomerDetail(models.Model):
    """A detail to remember: "has a new-born", "prefers mornings"."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="details")
    text = models.CharField(_("detail to remember"), max_length=200)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_pinned", "-created_at"]
        verbose_name = _("detail to remember")
        verbose_name_plural = _("details to remember")

    def __str__(self):
        return self.text


def contact_alive(path: str = "") -> Q:
    """A contact moment that is not deleted; `path` reaches it from another model ("origin__", "moment__")."""
    return Q(**{f"{path}deleted_at__isnull": True})


class ContactMomentQuerySet(models.QuerySet):
    def alive(self):
        """Not deleted: every screen, count and export that lists or counts contacts starts here."""
        return self.filter(contact_alive())

    def for_display(self):
        return self.select_related("logged_by", "topic", "team")

    def in_period(self, start, end):
        return self.filter(occurred_at__gte=start, occurred_at__lt=end)

    def inbound(self):
        return self.filter(direction=ContactMoment.Direction.INBOUND)

    def imported(self):
        """Came from a contact-history file (`CustomerImport` of kind contacts), not logged at the desk."""
        return self.filter(imported_by_import__isnull=False)


class ContactMoment(ChoiceLabels, models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        CHAT = "chat", _("Chat")
        DESK = "desk", _("Desk")
        SOCIAL = "social", _("Social media")
        LETTER = "letter", _("Letter")

    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        FOLLOW_UP = "follow_up", _("Follow-up needed")
        TRANSFERRED = "transferred", _("Transferred")

    class Sentiment(models.IntegerChoices):
        VERY_NEGATIVE = 1, _("Very negative")
        NEGATIVE = 2, _("Negative")
        NEUTRAL = 3, _("Neutral")
        POSITIVE = 4, _("Positive")
        VERY_POSITIVE = 5, _("Very positive")

    # The three foreign keys below have no index of their own: the composite indexes in Meta start with them
    # (a contact is inserted into every index; five million rows are read through the composites).
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contact_moments", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, default=Direction.INBOUND)
    occurred_at = models.DateTimeField(_("when"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="logged_contacts",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_moments",
        db_index=False,
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.PROTECT, related_name="contact_moments"
    )
    summary = models.TextField(_("summary"), max_length=2000)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.RESOLVED)
    sentiment_start = models.PositiveSmallIntegerField(
        _("sentiment at start"), choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    sentiment_end = models.PositiveSmallIntegerField(
        _("sentiment at end"), choices=Sentiment.choices, default=Sentiment.NEUTRAL
    )
    is_complaint = models.BooleanField(_("complaint"), default=False)
    is_compliment = models.BooleanField(_("compliment"), default=False)
    # The closing question, "have I helped you fully?": None when not asked.
    fully_helped = models.BooleanField(_("customer fully helped?"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Soft delete: check-ins and promises keep pointing at the moment (PROTECT), and its history stays.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deletion_reason = models.CharField(_("reason for deletion"), max_length=200, blank=True)
    # Set when the contact came from a contact-history file: it planned no check-ins, and reports say
    # "of which imported" (ContactMomentQuerySet.imported).
    imported_by_import = models.ForeignKey(
        "CustomerImport",
        verbose_name=_("imported from"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="contact_moments",
    )
    # Decided when the contact is logged, and again when it or an earlier one is corrected or deleted, by
    # contacts.repeats: the one place that says what a repeat is. Derived, not an edit: not in the history.
    is_repeat = models.BooleanField(_("repeat contact"), default=False, editable=False)

    history = HistoricalRecords(excluded_fields=["is_repeat"])
    objects = ContactMomentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("contact moment")
        verbose_name_plural = _("contact moments")
        indexes = [
            # timeline, last contact, repeat-contact lookups
            models.Index(fields=["customer", "-occurred_at"], name="contact_customer_when_idx"),
            # weekly report: a week of contacts, per team
            models.Index(fields=["occurred_at"], name="contact_when_idx"),
            models.Index(fields=["team", "occurred_at"], name="contact_team_when_idx"),
            # one person's week: the weekly summary's bucket recounted when they log a contact (their team's
            # whole week is thousands of rows; theirs, a few hundred)
            models.Index(fields=["logged_by", "occurred_at"], name="contact_person_when_idx"),
            # the few deleted contacts: what the weekly report leaves out, found without reading the rest
            models.Index(fields=["id"], condition=Q(deleted_at__isnull=False), name="contact_deleted_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sentiment_start__gte=1, sentiment_start__lte=5, sentiment_end__gte=1, sentiment_end__lte=5),
                name="contact_sentiment_on_scale",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return id_url("contacts:customer-detail", self.customer_id)


class CustomerImport(ChoiceLabels, models.Model):
    """One uploaded file of customers or of contact history (`kind`): what it holds, how its columns map, and
    how far checking (the dry run) or importing it got.

    The file lives in the row (not on disk), so a worker in another container can read it.
    `processed_rows` only moves with a batch that committed: it is where a stopped import resumes.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        CONTACTS = "contacts", _("Contact history")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking (dry run)")
        CHECKED = "checked", _("Checked (dry run)")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField()
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    language = models.CharField(max_length=10, default="en")  # of the messages in the report
    kind = models.CharField(_("what the file holds"), max_length=10, choices=Kind.choices, default=Kind.CUSTOMERS)
    headers = models.JSONField(default=list)  # the header line, so the mapping form need not read the file again
    # {"0": "full_name", "3": "phone", …}: column index → customer field ("" for ignored columns)
    mapping = models.JSONField(default=dict)
    preview = models.JSONField(default=list)  # the first rows as they will be stored, from the dry run
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CHECKED)
    total = models.PositiveIntegerField(_("lines"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    processed_rows = models.PositiveIntegerField(_("processed lines"), default=0)
    errors = models.JSONField(default=list)  # [{"line": 7, "field": "phone", "message": "…"}]
    stop_reason = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("customer import")
        verbose_name_plural = _("customer imports")

    def __str__(self):
        return self.file_name

    def get_absolute_url(self):
        return reverse("contacts:customer-import-detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE or not self.total else self.processed_rows * 100 // self.total


class CustomerMerge(models.Model):
    """One merge of a duplicate (`absorbed`) into the customer that stays (`survivor`), by `actor`.

    Says which side each field's value came from ("survivor" / "absorbed"), never the values, and how
    much moved: it outlives an erasure without holding personal data.
    """

    survivor = models.ForeignKey(Customer, verbose_name=_("survivor"), on_delete=models.PROTECT, related_name="merges")
    # One-to-one: a customer is merged away once, which the database holds even for two leads at once.
    absorbed = models.OneToOneField(
        Customer, verbose_name=_("merged customer"), on_delete=models.PROTECT, related_name="merge_record"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("merged by"), on_delete=models.PROTECT)
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    sources = models.JSONField(default=dict)  # {"full_name": "survivor", "phone": "absorbed", …}
    moved = models.JSONField(default=dict)  # {"contacts": 3, "details": 1, "checkins": 2, …}

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self):
        return f"{self.absorbed_id} → {self.survivor_id}"

    def get_absolute_url(self):
        return reverse("contacts:customer-detail", args=[self.survivor_id])

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contactcare.choices import ChoiceLabels
from contactcare.id_urls import id_url
from contactcare.models import Notification, NotificationQuerySet, SweepRun  # noqa: F401 - moved (issue 11); old imports work for one round
from contacts.models import ContactMoment, Customer, Team, Topic, contact_alive

from .planning import UPDATE_KIND, Offset, kind_label, offsets_parse


class CheckInPolicyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class CheckInPolicy(ChoiceLabels, models.Model):
    """Which contacts plan which check-ins. Editable by managers in the app."""

    class DayType(models.TextChoices):
        BUSINESS = "business", _("Business days (skip weekends and public holidays)")
        CALENDAR = "calendar", _("Calendar days")

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    offsets = models.CharField(
        _("offsets"),
        max_length=100,
        default="3d, 6w",
        help_text=_("Days (d) or weeks (w) after the contact, e.g. “3d, 6w”."),
    )
    day_type = models.CharField(_("count in"), max_length=10, choices=DayType.choices, default=DayType.BUSINESS)
    holiday_country = models.CharField(
        _("holiday calendar"),
        max_length=5,
        default="NL",
        help_text=_("Country code of the public holidays, e.g. NL, BE, DE."),
    )
    # What triggers the policy; an empty list means "any".
    channels = models.JSONField(_("channels"), default=list, blank=True)
    directions = models.JSONField(_("directions"), default=list, blank=True)
    outcomes = models.JSONField(_("outcomes"), default=list, blank=True)
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), blank=True, related_name="checkin_policies")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CheckInPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("check-in policy")
        verbose_name_plural = _("check-in policies")

    def __str__(self):
        return self.name

    @property
    def offset_list(self) -> list[Offset]:
        return offsets_parse(self.offsets)

    def applies_to(self, moment: ContactMoment, topic_ids: set[int]) -> bool:
        """Whether a contact moment triggers this policy (`topic_ids`: the policy's topics, prefetched)."""
        return (
            (not self.channels or moment.channel in self.channels)
            and (not self.directions or moment.direction in self.directions)
            and (not self.outcomes or moment.outcome in self.outcomes)
            and (not topic_ids or moment.topic_id in topic_ids)
        )


class CheckInIs:
    """What "open", "overdue", "done on time" mean for a check-in, said once.

    Conditions, so that the same words serve as filters (the QuerySet below)
    and inside aggregates (the team board, the weekly report).
    """

    @staticmethod
    def open() -> Q:
        return Q(status=CheckIn.Status.OPEN)

    @staticmethod
    def due() -> Q:
        """Still owed (what "due" means in every count of check-ins, promises, callbacks and replies): not closed
        without being done. A skipped or superseded check-in was no longer owed; each is a figure of its own."""
        return ~Q(status__in=[CheckIn.Status.SKIPPED, CheckIn.Status.SUPERSEDED])

    @staticmethod
    def rescheduled_out(monday: date, sunday: date) -> Q:
        """First planned for a day from `monday` to `sunday`, and since moved (rescheduled) to a day outside it."""
        return Q(first_due_date__gte=monday, first_due_date__lte=sunday) & (
            Q(due_date__lt=monday) | Q(due_date__gt=sunday)
        )

    @staticmethod
    def overdue(today: date) -> Q:
        """Open and past its due date: derived from status and date, never waiting for a sweep."""
        return CheckInIs.open() & Q(due_date__lt=today)

    @staticmethod
    def done_on_time() -> Q:
        return Q(status=CheckIn.Status.DONE, done_date__lte=F("due_date"))

    @staticmethod
    def done_late() -> Q:
        return Q(status=CheckIn.Status.DONE, done_date__gt=F("due_date"))

    @staticmethod
    def keep_informed() -> Q:
        """A keep-informed check-in (issue 13): call or write the customer about an open promise, news or not."""
        return Q(kind=UPDATE_KIND)

    @staticmethod
    def update_needed() -> Q:
        """A keep-informed check-in whose update was owed: every one, except those closed because their promise
        was kept or cancelled on or before the day the update was due (no update was needed then)."""
        return CheckInIs.keep_informed() & ~Q(status=CheckIn.Status.SUPERSEDED, closed_at__date__lte=F("due_date"))


class CheckInQuerySet(models.QuerySet):
    def open(self):
        return self.filter(CheckInIs.open())

    def overdue(self, today: date):
        return self.filter(CheckInIs.overdue(today))

    def done_on_time(self):
        return self.filter(CheckInIs.done_on_time())

    def done_late(self):
        return self.filter(CheckInIs.done_late())

    def for_display(self):
        return self.select_related("customer", "origin", "origin__topic", "assignee", "team", "promise")


class CheckIn(ChoiceLabels, models.Model):
    """A planned proactive contact: "day 3", "week 6" after an origin contact."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")
        SUPERSEDED = "superseded", _("Superseded")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="checkins"
    )
    origin = models.ForeignKey(
        ContactMoment, verbose_name=_("origin contact"), on_delete=models.PROTECT, related_name="planned_checkins"
    )
    policy = models.ForeignKey(CheckInPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=10)  # "3d", "6w": the policy's offset
    due_date = models.DateField(_("due date"))  # the desk's local date
    # The day it was first planned for, set by its first reschedule (empty: never moved). The weekly report
    # counts a check-in moved out of the week it was first due in as "rescheduled" in that week.
    first_due_date = models.DateField(_("first due date"), null=True, blank=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkins",
        help_text=_("Empty: in the team's queue."),
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # The contact that completed it. One outbound contact can complete several keep-informed check-ins (one per
    # open promise of the customer: issue 13), so not one-to-one.
    done_moment = models.ForeignKey(
        ContactMoment, null=True, blank=True, on_delete=models.SET_NULL, related_name="completed_checkins"
    )
    # The local date it was done: on time means done_date <= due_date.
    done_date = models.DateField(_("done on"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # done, skipped or superseded
    skip_reason = models.CharField(_("reason"), max_length=200, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A keep-informed check-in (kind "update", issue 13) is about one open promise: call or write the customer
    # about it, even without news. Its origin is the contact the promise was made in.
    promise = models.ForeignKey(
        "Promise",
        verbose_name=_("promise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="updates",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()  # reschedules and reassignments keep their reason and author here
    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        permissions = [
            ("reassign_checkin", _("Can reassign check-ins and promises of a team")),
            ("view_team_dashboard", _("Can open the dashboard of the teams they lead")),
            ("view_all_teams", _("Can open the dashboard and report of every team")),
        ]
        constraints = [
            # Nobody is called twice for the same thing. (A keep-informed check-in is about its promise: one
            # open at a time per promise, below.)
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=Q(status="open", promise__isnull=True),
                name="checkin_one_open_per_customer_kind",
            ),
            models.UniqueConstraint(
                fields=["promise"],
                condition=Q(status="open", promise__isnull=False),
                name="checkin_one_open_update_per_promise",
            ),
            models.CheckConstraint(
                condition=Q(kind=UPDATE_KIND, promise__isnull=False) | (~Q(kind=UPDATE_KIND) & Q(promise__isnull=True)),
                name="checkin_update_has_promise",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_date__isnull=False) | ~Q(status="done"), name="checkin_done_has_date"
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="checkin_assignee_due_idx"),
            models.Index(fields=["team", "status", "due_date"], name="checkin_team_due_idx"),
            models.Index(fields=["customer", "status"], name="checkin_customer_idx"),
            models.Index(fields=["due_date"], name="checkin_due_idx"),
            # the weekly report's "rescheduled": the few check-ins ever moved, by the day they were first due
            models.Index(
                fields=["first_due_date"], condition=Q(first_due_date__isnull=False), name="checkin_first_due_idx"
            ),
            # the team board (workload, lists, kinds) reads only open check-ins: CheckInIs.open(), index-only
            models.Index(
                fields=["team", "due_date", "id"],
                include=["assignee", "kind", "status"],
                condition=Q(status="open"),
                name="checkin_team_open_idx",
            ),
            # My day's team queue: the open check-ins nobody holds yet, by team, oldest first
            # (a few hundred per team, where the index above has every open one of every team)
            models.Index(
                fields=["team", "due_date", "id"],
                condition=Q(status="open", assignee__isnull=True),
                name="checkin_queue_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind_label} · {self.due_date}"

    def get_absolute_url(self):
        return id_url("contacts:customer-detail", self.customer_id)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def is_keep_informed(self) -> bool:
        return self.kind == UPDATE_KIND


class PromiseIs:
    """What "open", "broken", "kept on time" mean for a promise, said once (see CheckInIs)."""

    @staticmethod
    def open() -> Q:
        return Q(status=Promise.Status.OPEN)

    @staticmethod
    def due() -> Q:
        """Still owed (see CheckInIs.due): not cancelled. A cancelled promise is a figure of its own."""
        return ~Q(status=Promise.Status.CANCELLED)

    @staticmethod
    def broken(now: datetime) -> Q:
        """Open and past its due time: derived in the query, right even if no sweep has run."""
        return PromiseIs.open() & Q(due_at__lt=now)

    @staticmethod
    def kept_on_time() -> Q:
        return Q(status=Promise.Status.KEPT, kept_at__lte=F("due_at"))

    @staticmethod
    def kept_late() -> Q:
        return Q(status=Promise.Status.KEPT, kept_at__gt=F("due_at"))

    @staticmethod
    def callback() -> Q:
        """A call back owed for a missed call (the other kind: a promise made in a contact)."""
        return Q(kind=Promise.Kind.CALLBACK)

    @staticmethod
    def reply() -> Q:
        """A reply-by promise (issue 13): an inbound e-mail, letter or social message the desk owes a reply."""
        return Q(kind=Promise.Kind.REPLY)

    @staticmethod
    def made_by_person() -> Q:
        """A promise someone made in a contact: not a callback or a reply-by promise, which the desk owes itself."""
        return Q(kind=Promise.Kind.PROMISE)

    @staticmethod
    def keeps_informed() -> Q:
        """A promise whose customer is kept informed while it is open (issue 13): one made to a customer in a
        contact (a promise or a reply-by promise; a callback is itself the call)."""
        return Q(kind__in=[Promise.Kind.PROMISE, Promise.Kind.REPLY])

    @staticmethod
    def in_team_queue() -> Q:
        """An open callback nobody holds yet: it waits in its team's queue (My day's "Callbacks for the team")."""
        return PromiseIs.open() & PromiseIs.callback() & Q(owner__isnull=True)


class PromiseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(PromiseIs.open())

    def broken(self, now: datetime):
        return self.filter(PromiseIs.broken(now))

    def kept_on_time(self):
        return self.filter(PromiseIs.kept_on_time())

    def kept_late(self):
        return self.filter(PromiseIs.kept_late())

    def callbacks(self):
        return self.filter(PromiseIs.callback())

    def replies(self):
        return self.filter(PromiseIs.reply())

    def for_display(self):
        return self.select_related("customer", "owner", "team", "moment")


class Promise(ChoiceLabels, models.Model):
    """What was promised to a customer, by whom, due when. Open → kept / cancelled; open past due = broken.

    A *callback* is a promise too (the same states, sweep and notices): a missed call the team owes a
    call back, due a few business hours after the call (`followups.services.callback_for_missed_call`).
    """

    class Kind(models.TextChoices):
        PROMISE = "promise", _("Promise")
        CALLBACK = "callback", _("Call back")
        REPLY = "reply", _("Reply")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        CANCELLED = "cancelled", _("Cancelled")

    # A callback (issue 12) comes from a missed call: maybe from an unknown number (no customer), made in no
    # contact (no moment), for the team's queue when the telephone system did not say who was rung (no owner).
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROMISE)
    # The foreign keys of owner, team and customer have no index of their own: the composite indexes below
    # start with them (an index fewer per row to write, which the broken-promise sweep and every save pay).
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promises",
        db_index=False,
    )
    moment = models.ForeignKey(
        ContactMoment,
        verbose_name=_("made in contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promises",
    )
    description = models.CharField(_("what was promised"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promises",
        help_text=_("Empty: in the team's queue."),
        db_index=False,
    )
    # The number to call back (E.164), for callbacks; empty for promises.
    number = models.CharField(_("number to call back"), max_length=16, blank=True)
    # How many missed calls this callback answers: a second missed call before it is kept adds one.
    missed_count = models.PositiveSmallIntegerField(_("missed calls"), default=0)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kept_at = models.DateTimeField(_("kept at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When its contact happened (the report's "promises made in the week"), kept by followups.services when
    # the contact's time is corrected. Derived, so not in the history; empty only for rows written around
    # the services, which `report_summaries_rebuild` fills.
    made_at = models.DateTimeField(_("made at"), null=True, blank=True, editable=False, db_index=True)

    history = HistoricalRecords(excluded_fields=["made_at"])
    objects = PromiseQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("promise")
        verbose_name_plural = _("promises")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="kept", kept_at__isnull=False) | ~Q(status="kept"), name="promise_kept_has_time"
            ),
            # A promise is made to a customer in a contact by someone; a callback needs someone to call.
            # A reply-by promise is owed to a customer for an inbound contact; nobody holds it when its logger left.
            models.CheckConstraint(
                condition=Q(kind="promise", customer__isnull=False, moment__isnull=False, owner__isnull=False)
                | (Q(kind="callback") & (Q(customer__isnull=False) | ~Q(number="")))
                | Q(kind="reply", customer__isnull=False, moment__isnull=False),
                name="promise_kind_complete",
            ),
            # One reply is owed to a customer per team at a time: a second inbound e-mail before the reply joins
            # the open reply-by promise (followups.services.reply_promise_for_contact). Two constraints, because
            # a contact may have no team and NULLs are distinct in a unique index.
            models.UniqueConstraint(
                fields=["customer", "team"],
                condition=Q(kind="reply", status="open", team__isnull=False),
                name="promise_one_open_reply_per_customer_team",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(kind="reply", status="open", team__isnull=True),
                name="promise_one_open_reply_per_customer_no_team",
            ),
            # A second missed call from a number joins the team's open callback: never two at once.
            models.UniqueConstraint(
                fields=["team", "number"],
                condition=Q(kind="callback", status="open") & ~Q(number=""),
                name="promise_one_open_callback_per_team_number",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="promise_owner_due_idx"),
            models.Index(fields=["team", "status", "due_at"], name="promise_team_due_idx"),
            models.Index(fields=["customer", "status"], name="promise_customer_idx"),
            models.Index(fields=["due_at"], name="promise_due_idx"),
            # the broken-promise sweep: open promises by due time (it never writes to a promise, see
            # followups.services.promises_mark_broken)
            models.Index(fields=["due_at"], condition=Q(status="open"), name="promise_open_due_idx"),
            # the team board reads only open promises: PromiseIs.open(), index-only
            models.Index(
                fields=["team", "due_at", "id"],
                include=["owner", "status"],
                condition=Q(status="open"),
                name="promise_team_open_idx",
            ),
            # a logged call back keeps the open callbacks on the customer's number; erase finds them by number
            models.Index(fields=["number"], condition=Q(kind="callback"), name="promise_callback_number_idx"),
        ]

    def __str__(self):
        return self.description

    def get_absolute_url(self):
        if self.customer_id is None:  # a callback to an unknown number: it waits on My day
            return reverse("followups:my-day")
        return id_url("contacts:customer-detail", self.customer_id)

    @property
    def broken_at(self) -> datetime | None:
        """When it broke: its due time, if it was still open then (kept late, cancelled late, or still open).

        Derived, like `PromiseIs.broken`: nothing has to record it, so it is right before any sweep ran.
        """
        return self.broken_as_of(timezone.now())

    def broken_as_of(self, now: datetime) -> datetime | None:
        """`broken_at` as it stood at `now`: the due time, if the promise was still open then."""
        end = {self.Status.KEPT: self.kept_at, self.Status.CANCELLED: self.cancelled_at}.get(self.status) or now
        return self.due_at if self.due_at is not None and end > self.due_at else None

    def is_broken(self, now: datetime | None = None) -> bool:
        """`PromiseIs.broken(now)` for one promise in hand (the API's `is_broken`): still open, and it broke.
        Read through `broken_as_of`, the one rule of when a promise broke; a test holds it to the query."""
        return self.status == self.Status.OPEN and self.broken_as_of(now or timezone.now()) is not None

    @property
    def is_callback(self) -> bool:
        return self.kind == self.Kind.CALLBACK

    @property
    def is_reply(self) -> bool:
        return self.kind == self.Kind.REPLY


# A contact's time is typed to the minute: an update in the minute the promise was made counts.
UPDATE_MINUTE = timedelta(minutes=1)


def update_to_customer(*, customer, made_at) -> Q:
    """Which contacts are an update to the customer about a promise made at `made_at`, said once (issue 13).

    An outbound contact to the customer, on any channel, at or after the promise was made (to the minute, as
    contacts are typed), and not deleted. It keeps a reply-by promise, completes the keep-informed check-in and
    is "the last update to the customer" on the customer page. `customer` and `made_at` may be OuterRefs.
    """
    return contact_alive() & Q(
        customer=customer, direction=ContactMoment.Direction.OUTBOUND, occurred_at__gt=made_at - UPDATE_MINUTE
    )


# --- The desk's settings (issue 13) --------------------------------------------------


class DeskSettings(models.Model):
    """The desk's own settings, one row, edited by managers: opening hours, reply terms, keep-informed cadence.

    Read through `followups.planning.desk()`, once per use; a missing row means the defaults.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON, editable=False)
    opening_hours = models.CharField(
        _("opening hours"),
        max_length=11,
        blank=True,
        help_text=_("On business days, local time, e.g. 09:00-17:00. Empty: the server's DESK_OPENING_HOURS."),
    )
    # {"email": "1d", "letter": "5d", "social": "4h"}: business days or hours per channel; a channel left out
    # promises no reply.
    reply_terms = models.JSONField(_("reply terms"), default=dict, blank=True)
    keep_informed_days = models.PositiveSmallIntegerField(
        _("keep customers informed every"),
        null=True,
        blank=True,
        help_text=_("Business days. Empty or 0: off."),
    )
    # "Losing touch" (issue 14): a customer whose last contact ended negative, or whose promise broke, and who has
    # heard nothing since for this many days is on the team leads' list (followups.losing_touch).
    losing_touch_days = models.PositiveSmallIntegerField(_("losing touch after"), default=14)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="desk_settings_one_row")]

    def __str__(self):
        return str(self._meta.verbose_name)

    def get_absolute_url(self):
        return reverse("followups:desk-settings")


# --- Handovers (issue 13) ---------------------------------------------------------


class HandoverIs:
    """What "pending", "waiting too long" and "escalated" mean for a handover, said once (see CheckInIs).

    My day, the team board, the customer panel, the digest, the escalation
    sweep and the weekly report all filter, count and annotate with these.
    """

    @staticmethod
    def pending() -> Q:
        """Handed over and not yet accepted or passed on."""
        return Q(status=Handover.Status.PENDING)

    @staticmethod
    def accepted() -> Q:
        return Q(status=Handover.Status.ACCEPTED)

    @staticmethod
    def passed_on() -> Q:
        return Q(status=Handover.Status.PASSED_ON)

    @staticmethod
    def waiting_too_long(now: datetime) -> Q:
        """Pending past its `accept_by` (HANDOVER_ESCALATE_AFTER_HOURS business hours after it was made): the
        team lead is told. Derived from status and time, right before any sweep ran."""
        return HandoverIs.pending() & Q(accept_by__lt=now)

    @staticmethod
    def escalated(now: datetime) -> Q:
        """Waited too long at some point: still waiting too long, or accepted or passed on after `accept_by`."""
        answered_late = (HandoverIs.accepted() | HandoverIs.passed_on()) & Q(answered_at__gt=F("accept_by"))
        return HandoverIs.waiting_too_long(now) | answered_late

    @staticmethod
    def handed_to(user) -> Q:
        """Waiting for `user` in person (not for one of their teams): what the top bar's badge counts."""
        return HandoverIs.pending() & Q(to_user=user)

    @staticmethod
    def for_user(user) -> Q:
        """Waiting for `user`: pending, and handed over to them or to a team they are a member or the lead of.

        `user` is a user, its id, or `OuterRef("pk")` of an outer query on users (the digest counts per person).
        """
        inner = OuterRef(user) if isinstance(user, OuterRef) else user  # one level deeper inside the team subquery
        teams = Team.objects.filter(Q(members=inner) | Q(lead=inner)).values("pk")
        return HandoverIs.pending() & (Q(to_user=user) | Q(to_team__in=teams))


class HandoverQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(HandoverIs.pending())

    def waiting_too_long(self, now: datetime):
        return self.filter(HandoverIs.waiting_too_long(now))

    def for_user(self, user):
        return self.filter(HandoverIs.for_user(user))

    def with_waiting_too_long(self, now: datetime):
        """Each row knows whether it waits too long (`too_long`), from HandoverIs: the rows show the badge."""
        return self.annotate(
            too_long=ExpressionWrapper(HandoverIs.waiting_too_long(now), output_field=models.BooleanField())
        )

    def for_rows(self, now: datetime):
        """What a handover row shows (followups.rows.handover_row): its people, its customer, `too_long`."""
        return self.with_waiting_too_long(now).select_related(
            "customer", "from_user", "to_user", "to_team", "answered_by"
        )


class Handover(ChoiceLabels, models.Model):
    """A customer handed over to a colleague or a team, with a note, to be accepted or passed on.

    Each pass-on is a new row pointing at the one it passes on (`previous`), and
    every row of a chain points at the chain's first (`first`, empty on the
    first itself): "Anna → Team Zuid (Chris) → Dewi". Written only by
    `followups.handovers` (create, accept, pass on). The receiving `team` is
    the team handed to, or the person's team: its lead hears when the handover
    waits longer than `accept_by`.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be accepted")
        ACCEPTED = "accepted", _("Accepted")
        PASSED_ON = "passed_on", _("Passed on")
        WITHDRAWN = "withdrawn", _("Withdrawn")  # its contact was deleted, or the customer erased

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="handovers", db_index=False
    )
    moment = models.ForeignKey(
        ContactMoment,
        verbose_name=_("made in contact"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers",
    )
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="passed_on_as"
    )
    first = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handed over by"), on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to colleague"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    to_team = models.ForeignKey(
        Team, verbose_name=_("to team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("receiving team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # What the customer needs and what was tried: personal data (erased with the customer), at most NOTE_MAX_LENGTH.
    note = models.TextField(_("note"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("handed over at"))
    chain_started_at = models.DateTimeField()  # when the chain's first handover was made: the customer waits since
    accept_by = models.DateTimeField(_("to be accepted by"))  # followups.planning.handover_accept_by(created_at)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)  # accepted, passed on or withdrawn
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = HandoverQuerySet.as_manager()

    NOTE_MAX_LENGTH = 1000

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_user__isnull=False, to_team__isnull=True)
                | Q(to_user__isnull=True, to_team__isnull=False),
                name="handover_to_one_receiver",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", answered_at__isnull=True)
                | (~Q(status="pending") & Q(answered_at__isnull=False)),
                name="handover_answered_has_time",
            ),
            # A double click, or two colleagues at once, hand a customer over to the same receiver once.
            models.UniqueConstraint(
                fields=["customer", "to_user"], condition=Q(status="pending"), name="handover_one_pending_per_user"
            ),
            models.UniqueConstraint(
                fields=["customer", "to_team"], condition=Q(status="pending"), name="handover_one_pending_per_team"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="handover_customer_idx"),
            models.Index(fields=["created_at"], name="handover_created_idx"),
            # My day, the team board and the escalation sweep read pending handovers only
            models.Index(
                fields=["to_user", "created_at"], condition=Q(status="pending"), name="handover_user_pending_idx"
            ),
            models.Index(
                fields=["to_team", "created_at"], condition=Q(status="pending"), name="handover_team_pending_idx"
            ),
            models.Index(
                fields=["team", "created_at"], condition=Q(status="pending"), name="handover_board_pending_idx"
            ),
            models.Index(fields=["accept_by"], condition=Q(status="pending"), name="handover_accept_by_idx"),
        ]

    def __str__(self):
        return f"{self.customer_id} → {self.to_team_id or self.to_user_id}"

    def get_absolute_url(self):
        return id_url("contacts:customer-detail", self.customer_id)

    @property
    def chain_id(self) -> int:
        """The id of the chain's first handover (this one's own when it is the first)."""
        return self.first_id or self.pk


# --- Retention (issue 10) ----------------------------------------------------------


class RetentionReview(ChoiceLabels, models.Model):
    """One month's retention list: customers without contact for RETENTION_YEARS, erased only once a manager confirmed.

    proposed → confirmed → done (the erase sweep worked through it), or
    dismissed (a manager set it aside, or the next month's list replaced it).
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed, being erased")
        DONE = "done", _("Done")
        DISMISSED = "dismissed", _("Dismissed")

    month = models.DateField(_("month"), unique=True)  # the first day of the month, local
    years = models.PositiveSmallIntegerField(_("years without contact"))
    cutoff = models.DateTimeField(_("no contact since"))  # start of the local day `years` before the list was made
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    # Raised by every exclusion or inclusion: a confirmation of an older version is refused as stale.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    erased = models.PositiveIntegerField(_("erased"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("retention list")
        verbose_name_plural = _("retention lists")

    def __str__(self):
        return self.month.strftime("%Y-%m")

    def get_absolute_url(self):
        return reverse("followups:retention-review", args=[self.pk])


class RetentionCandidate(ChoiceLabels, models.Model):
    """A customer on a retention list; excluded by a manager (with a reason), or erased / skipped by the sweep."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ERASED = "erased", _("Erased")
        SKIPPED = "skipped", _("Skipped")

    class Skip(models.TextChoices):
        CONTACTED = "contacted", _("Contacted since the list was made")
        ERASED = "erased", _("Already erased")
        MERGED = "merged", _("Merged into another customer")
        REFUSED = "refused", _("Could not be erased")

    review = models.ForeignKey(RetentionReview, on_delete=models.CASCADE, related_name="candidates")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    # The customer's last contact when the list was made: a newer one at erase time means "contacted since".
    last_contact_at = models.DateTimeField(null=True, blank=True)
    excluded = models.BooleanField(_("excluded"), default=False)
    exclusion_reason = models.CharField(_("reason"), max_length=200, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    excluded_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    skip_reason = models.CharField(max_length=10, choices=Skip.choices, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "pk"]
        verbose_name = _("retention candidate")
        verbose_name_plural = _("retention candidates")
        constraints = [
            models.UniqueConstraint(fields=["review", "customer"], name="retention_candidate_once"),
        ]
        indexes = [
            models.Index(fields=["review", "id"], name="retention_candidate_page_idx"),
            # the erase sweep: what is still to do
            models.Index(
                fields=["review", "id"],
                condition=Q(outcome="pending", excluded=False),
                name="retention_candidate_todo_idx",
            ),
        ]

    def __str__(self):
        return f"{self.review} · {self.customer_id}"

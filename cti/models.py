"""Calls from a desk's telephone system (PBX): its line (the secret endpoint), who answers which number, the calls.

A call's states, said once (`Call.State`): it rings; it is answered, then ends (`ended`); or it is hung up
unanswered (`missed`). The events that move it live in `cti.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contactcare.choices import ChoiceLabels
from contacts.models import ContactMoment, Customer, Team


class CtiLine(models.Model):
    """One desk's telephone system: the secret token in its endpoint URL, stored only as a SHA-256 hash."""

    team = models.OneToOneField(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="cti_line")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(_("token ends in"), max_length=4, editable=False)
    rotated_at = models.DateTimeField(_("token made"), editable=False)
    rotated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("token made by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["team__name"]
        verbose_name = _("telephone line")
        verbose_name_plural = _("telephone lines")
        permissions = [("manage_ctiline", _("Can connect a telephone system and simulate calls"))]

    def __str__(self):
        return str(self.team)


class StaffPhone(models.Model):
    """A number or extension that rings a staff member: how `answeringNumber` finds who answered.

    `number` is stored as the PBX sends it after normalising: E.164 when it is a full phone number,
    otherwise its digits (an extension such as "42").
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(_("number or extension"), max_length=20, unique=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("staff phone")
        verbose_name_plural = _("staff phones")

    def __str__(self):
        return self.number


class CallQuerySet(models.QuerySet):
    def inbound(self):
        return self.filter(direction=Call.Direction.INBOUND)

    def missed(self):
        return self.filter(state=Call.State.MISSED)

    def answered(self):
        """Answered, whether still going on or ended."""
        return self.filter(answered_at__isnull=False)

    def started_between(self, start, end):
        return self.filter(started_at__gte=start, started_at__lt=end)


class Call(ChoiceLabels, models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class State(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        MISSED = "missed", _("Missed")
        ENDED = "ended", _("Ended")

    line = models.ForeignKey(CtiLine, verbose_name=_("line"), on_delete=models.CASCADE, related_name="calls")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="calls")
    # Zammad allows up to 250 characters; the PBX's own id, unique per line.
    call_id = models.CharField(_("call id"), max_length=250)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    from_number = models.CharField(_("from"), max_length=100, blank=True)  # as the PBX sent it
    to_number = models.CharField(_("to"), max_length=100, blank=True)
    # The customer's side in E.164 ("" when anonymous or not a number we can call back).
    caller_number = models.CharField(_("number"), max_length=20, blank=True, db_index=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    ringing_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("rang for"), blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RINGING)
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    cause = models.CharField(_("cause"), max_length=30, blank=True)
    moment = models.ForeignKey(
        ContactMoment,
        verbose_name=_("contact logged"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    callback = models.ForeignKey(
        "followups.Promise",
        verbose_name=_("callback"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="missed_calls",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(fields=["line", "call_id"], name="call_unique_per_line"),
            models.CheckConstraint(
                condition=Q(state__in=["ringing", "answered", "missed", "ended"]), name="call_state_known"
            ),
            models.CheckConstraint(condition=Q(direction__in=["in", "out"]), name="call_direction_known"),
        ]
        indexes = [
            models.Index(fields=["team", "started_at"], name="call_team_started_idx"),
            models.Index(fields=["user", "started_at"], name="call_user_started_idx"),
            models.Index(fields=["started_at"], name="call_started_idx"),  # managers' log: every team's day
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        """Talking time of an answered call (None while it goes on or when nobody answered)."""
        if self.answered_at and self.ended_at:
            return self.ended_at - self.answered_at
        return None

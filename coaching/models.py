"""Coaching, not ranking (issue 14): what a lead sees of each person, and the thank-you notes they send.

"Worth a thank-you" is said once, here (`SeenIs`): the "Say you see it"
page, its counts, the notes and the README all read these conditions.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contacts.models import ContactMoment, Team
from reports.weeks import IsoWeek

NEGATIVE_AT_MOST = ContactMoment.Sentiment.NEGATIVE  # a start of 1 or 2
POSITIVE_AT_LEAST = ContactMoment.Sentiment.POSITIVE  # an end of 4 or 5


class SeenIs:
    """Conditions on contact moments that a lead should see (and may thank the person for)."""

    @staticmethod
    def compliment() -> Q:
        """The customer paid a compliment (the contact is marked as one)."""
        return Q(is_compliment=True)

    @staticmethod
    def turned_around() -> Q:
        """A negative start (1 or 2) turned into a positive end (4 or 5)."""
        return Q(sentiment_start__lte=NEGATIVE_AT_MOST, sentiment_end__gte=POSITIVE_AT_LEAST)

    @staticmethod
    def worth_thanks() -> Q:
        return SeenIs.compliment() | SeenIs.turned_around()

    # The same conditions on one loaded contact (a note counts the contacts it links).
    @staticmethod
    def is_compliment(contact: ContactMoment) -> bool:
        return contact.is_compliment

    @staticmethod
    def is_turned_around(contact: ContactMoment) -> bool:
        return contact.sentiment_start <= NEGATIVE_AT_MOST and contact.sentiment_end >= POSITIVE_AT_LEAST


class ThankYouNoteQuerySet(models.QuerySet):
    def unseen(self):
        return self.filter(seen_at__isnull=True)

    def to(self, user):
        return self.filter(recipient=user)


class ThankYouNote(models.Model):
    """A lead's (or a manager's) thanks to one person for one week's compliments and turned-around contacts.

    One per sender, person and week (the unique key): a double click sends one note. It links the contacts
    it thanks for (staff see them anyway); erasing a customer unlinks theirs and takes their name out of the
    text (coaching.services.thank_you_notes_forget), the note itself stays: the thanks were for the person.
    """

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from"), on_delete=models.CASCADE, related_name="thanks_sent"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.CASCADE, related_name="thanks_received"
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL)
    week = models.DateField(_("week"), help_text=_("The Monday of the ISO week the thanks are for."))
    contacts = models.ManyToManyField(ContactMoment, verbose_name=_("contacts"), blank=True, related_name="+")
    compliments = models.PositiveIntegerField(_("compliments"), default=0)
    turned_around = models.PositiveIntegerField(_("turned around"), default=0)
    text = models.TextField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)

    objects = ThankYouNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thank-you note")
        verbose_name_plural = _("thank-you notes")
        constraints = [
            models.UniqueConstraint(fields=["sender", "recipient", "week"], name="thank_you_once_a_week"),
        ]
        indexes = [
            # My day: the person's notes not yet seen
            models.Index(fields=["recipient"], condition=Q(seen_at__isnull=True), name="thank_you_unseen_idx"),
        ]
        permissions = [
            ("view_coaching_cards", _("Can see the coaching cards of a team")),
            ("view_own_card", _("Can see their own coaching card")),
        ]

    def __str__(self):
        return f"{self.sender_id} → {self.recipient_id} ({self.week_label})"

    @property
    def week_label(self) -> str:
        return IsoWeek.containing(self.week).label

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from contactcare.choices import ChoiceLabels
from contacts.models import Team


class ReportDownload(ChoiceLabels, models.Model):
    """Who downloaded which report, when: exports leave the building, so they are recorded."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        CONTACTS_CSV = "contacts-csv", _("Contacts of the week (CSV)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    week = models.CharField(_("week"), max_length=8)  # "2026-W47"
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    format = models.CharField(_("format"), max_length=12, choices=Format.choices)
    created_at = models.DateTimeField(_("downloaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")
        permissions = [
            ("view_weekly_report", _("Can see the weekly report")),
            ("download_weekly_report", _("Can download the weekly report")),
            ("receive_weekly_report", _("Receives the weekly report by e-mail on Mondays")),
        ]

    def __str__(self):
        return f"{self.week} {self.format}"


class WeeklySummary(models.Model):
    """What the weekly report counts of contacts, per ISO week, team and person who logged them.

    Kept by reports.summaries from the raw rows, in the transaction that
    changed them (contacts.signals.contacts_counted_changed), and rebuilt
    exactly by `manage.py report_summaries_rebuild`. `counts` holds the
    additive raw figures of the contacts (reports.summaries.contact_counts);
    check-ins and promises are not here: their figures depend on "now".
    Plain ids, not foreign keys: a deleted team or person keeps its counts,
    as the contacts keep theirs.
    """

    week = models.DateField()  # its Monday, in the desk's time zone
    team_id = models.BigIntegerField(null=True, blank=True)  # None: contacts logged without a team
    person_id = models.BigIntegerField()  # who logged the contacts
    counts = models.JSONField(default=dict)
    # REPEAT_CONTACT_WINDOW_DAYS and contacts.repeats.REPEAT_RULE when the row was counted: a row of another
    # window or rule is not read (the report counts that week from the contacts until the rebuild).
    repeat_window_days = models.PositiveSmallIntegerField()
    repeat_rule = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("weekly summary")
        verbose_name_plural = _("weekly summaries")
        # One row per bucket. Two constraints, because NULLs are distinct in a unique index (and SQLite, for
        # `make run`, has no NULLS NOT DISTINCT): a team's rows, and the rows of contacts without a team.
        constraints = [
            models.UniqueConstraint(
                fields=["week", "team_id", "person_id"],
                condition=Q(team_id__isnull=False),
                name="weekly_summary_bucket",
            ),
            models.UniqueConstraint(
                fields=["week", "person_id"], condition=Q(team_id__isnull=True), name="weekly_summary_no_team_bucket"
            ),
        ]

    def __str__(self):
        return f"{self.week} {self.team_id} {self.person_id}"


class TopicWeeklySummary(models.Model):
    """What "Where it chafes" counts of contacts, per ISO week and team, broken down by topic and channel.

    A sibling of WeeklySummary, kept the same way (reports.chafes, from the
    same contacts_counted_changed signal, in the same transaction) and rebuilt
    by the same command. One row per (week, team): the whole team-week is
    recounted at once, so two people logging for one team wait for each other
    on this row instead of writing counts that miss each other. `counts` is a
    list of {"topic": id or None, "channel": …, "contacts", "inbound",
    "repeat", "complaints", "ended_worse"}, one per (topic, channel) that had
    contacts.
    """

    week = models.DateField()  # its Monday, in the desk's time zone
    team_id = models.BigIntegerField(null=True, blank=True)  # None: contacts logged without a team
    counts = models.JSONField(default=list)
    # The repeat window and rule when the row was counted, as in WeeklySummary.
    repeat_window_days = models.PositiveSmallIntegerField()
    repeat_rule = models.CharField(max_length=16)

    class Meta:
        verbose_name = _("weekly summary by topic")
        verbose_name_plural = _("weekly summaries by topic")
        # As WeeklySummary: one row per team-week, and one for the week's contacts without a team.
        constraints = [
            models.UniqueConstraint(
                fields=["week", "team_id"], condition=Q(team_id__isnull=False), name="topic_weekly_summary_bucket"
            ),
            models.UniqueConstraint(
                fields=["week"], condition=Q(team_id__isnull=True), name="topic_weekly_summary_no_team_bucket"
            ),
        ]

    def __str__(self):
        return f"{self.week} {self.team_id}"


class ClosedWeek(ChoiceLabels, models.Model):
    """A week's report as it stood when the week was closed: the figures the Monday e-mail showed.

    Written once per week by reports.closing (the Monday sweep from
    WEEKLY_REPORT_TIME, or `manage.py report_week_close`); the page, the
    downloads and the e-mail of a closed week read these figures, and the page
    shows beside them what changed since. `figures` holds the additive raw
    counts (what `selectors.figures_of` turns into figures, so a change in how
    a figure is derived applies to closed weeks too) of every scope:
    {"teams": {"t<team id>": raw, "t0": contacts without a team},
    "people": {"t<team id>": {"<person id>": raw}}}. Counts and staff ids only:
    nothing about a customer, so erasing one leaves nothing here to erase.
    """

    class How(models.TextChoices):
        SWEEP = "sweep", _("When the Monday report went out")
        COMMAND = "command", _("By hand (report_week_close)")

    week = models.DateField(_("week"))  # its Monday, in the desk's time zone
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed by")
    )
    how = models.CharField(_("how"), max_length=8, choices=How.choices)
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        ordering = ["-week"]
        verbose_name = _("closed week")
        verbose_name_plural = _("closed weeks")
        constraints = [models.UniqueConstraint(fields=["week"], name="closed_week_once")]

    def __str__(self):
        return f"{self.week} {self.closed_at}"

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contacts.models import Team


class ReportDownload(models.Model):
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
    team_id = models.BigIntegerField(default=0)  # 0: contacts logged without a team
    person_id = models.BigIntegerField()  # who logged the contacts
    counts = models.JSONField(default=dict)
    # REPEAT_CONTACT_WINDOW_DAYS when the row was counted: a row of another window is not read.
    repeat_window_days = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("weekly summary")
        verbose_name_plural = _("weekly summaries")
        constraints = [
            models.UniqueConstraint(fields=["week", "team_id", "person_id"], name="weekly_summary_bucket"),
        ]

    def __str__(self):
        return f"{self.week} {self.team_id} {self.person_id}"


class ClosedWeek(models.Model):
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

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

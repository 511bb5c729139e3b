from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from contacts.signals import contacts_counted_changed

        from . import chafes
        from .summaries import on_contacts_counted_changed

        # The weekly summary follows every change of what it counts, in the same transaction; then the summary
        # by topic ("Where it chafes"), always in this order (its locks after the weekly summary's).
        contacts_counted_changed.connect(on_contacts_counted_changed, dispatch_uid="reports.weekly_summary")
        contacts_counted_changed.connect(chafes.on_contacts_counted_changed, dispatch_uid="reports.topic_summary")

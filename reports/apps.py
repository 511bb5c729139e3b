from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from contacts.signals import contacts_counted_changed

        from .summaries import on_contacts_counted_changed

        # The weekly summary follows every change of what it counts, in the same transaction.
        contacts_counted_changed.connect(on_contacts_counted_changed, dispatch_uid="reports.weekly_summary")

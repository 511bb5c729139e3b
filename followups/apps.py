from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        from contacts import panels

        from .panels import FOLLOWUP_PANEL

        panels.register(FOLLOWUP_PANEL)  # the customer page shows it; contacts does not import followups

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CtiConfig(AppConfig):
    name = "cti"
    verbose_name = _("Telephone")

    def ready(self):
        from followups.signals import contact_logged

        from .signals import contact_logged_link_call

        contact_logged.connect(contact_logged_link_call, dispatch_uid="cti.contact_logged_link_call")

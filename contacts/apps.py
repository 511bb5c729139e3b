from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .repeats import sqlite_functions

        # the repeat window's local clock in SQLite (`make run`); PostgreSQL has AT TIME ZONE
        connection_created.connect(sqlite_functions, dispatch_uid="contacts.repeats.sqlite_functions")

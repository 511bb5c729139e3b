from django.apps import AppConfig


class ContactCareConfig(AppConfig):
    """The project package doubles as an app for shared templatetags and commands."""

    name = "contactcare"
    verbose_name = "ContactCare"

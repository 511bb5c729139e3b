from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _roles_sync(sender, using="default", **kwargs):
    # post_migrate is sent once per app with models; act on the last one, when
    # every app's tables and permissions exist.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        from .roles import roles_sync

        roles_sync(using=using)


class ContactCareConfig(AppConfig):
    """The project package doubles as an app: shared templatetags, commands and the roles."""

    name = "contactcare"
    verbose_name = "ContactCare"

    def ready(self):
        # Infrastructure, like Django's own permission creation: keeps the
        # role groups in step with roles.py after every migrate or flush.
        post_migrate.connect(_roles_sync, dispatch_uid="contactcare.roles_sync")

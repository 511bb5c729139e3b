import shutil

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile translations when GNU gettext is installed; otherwise use the committed .mo files."

    def handle(self, *args, **options):
        if shutil.which("msgfmt"):
            call_command("compilemessages", locale=["nl"], ignore_patterns=[".venv", "staticfiles"], verbosity=0)
            self.stdout.write("Translations compiled.")
        else:
            self.stdout.write(
                "GNU gettext not installed: using the committed translations (locale/*/LC_MESSAGES/*.mo)."
            )

#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcare.settings")
    # A checkout with no configuration at all is a developer's machine (as
    # cookiecutter-django's manage.py picks the local settings). A deployment
    # sets SECRET_KEY, so this never turns DEBUG on there; wsgi.py and the
    # Celery app have no such default.
    if "SECRET_KEY" not in os.environ and "DEBUG" not in os.environ:
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

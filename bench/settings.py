"""Settings for the benchmark's web server and sweeps: the product's settings plus two bench-only things.

    DJANGO_SETTINGS_MODULE=bench.settings

- `bench.sql_middleware` first in the chain, so each response says how many
  queries it ran and how long they took (nothing else reads it);
- e-mail to files in BENCH_MAIL_DIR, so that the sweeps' e-mails can be counted.

Everything else (DEBUG=0, the database, gunicorn) comes from the environment, as in production.
"""

import os

from contactcare.settings import *  # noqa: F403
from contactcare.settings import MIDDLEWARE

MIDDLEWARE = ["bench.sql_middleware.SqlTimingMiddleware", *MIDDLEWARE]

if os.environ.get("BENCH_MAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["BENCH_MAIL_DIR"]

ROOT_URLCONF = "bench.urls"  # the product's URLs and the two floors (bench/urls.py)

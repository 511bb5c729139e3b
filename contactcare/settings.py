"""ContactCare settings: one module, driven by environment variables.

Every variable is listed, with its default, in `.env.example`. Development
defaults apply only while DEBUG is on; no secret has a production default.
"""

import re
from datetime import date
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime files of the embedded default (queue, beat schedule)

env = environ.Env()

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (only DEBUG=1 has a development default).")
    SECRET_KEY = "django-insecure-development-only-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",  # runserver serves ASGI (websockets for the screen-pop); must come before staticfiles
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "contactcare",
    "contacts",
    "followups",
    "reports",
    "cti",
    "api",
    "coaching",  # issue 14: coaching cards, thank-you notes
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "contactcare.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "contactcare.middleware.RejectNulBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "contactcare.urls"
WSGI_APPLICATION = "contactcare.wsgi.application"
ASGI_APPLICATION = "contactcare.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "contactcare.context_processors.navigation",
                "followups.context_processors.followups",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# SQLite by default (the embedded `make run`), PostgreSQL in production and CI.

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker share the file: WAL lets readers
    # run beside a writer, IMMEDIATE takes the write lock up front instead of
    # failing half-way through a transaction, and the timeout waits for it.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that the Celery worker a test starts can open it too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Session settings every connection of ours sends when it connects (libpq `options`: no extra round
    # trip). JIT off: our queries are short and indexed, and at a million customers PostgreSQL's cost
    # estimates made it JIT-compile queries that then spent longer compiling than running (766 ms of a
    # report). The server's own settings (docker-compose.yml) say the same; this holds on any server.
    DATABASE_CONNECTION_OPTIONS = env("DATABASE_CONNECTION_OPTIONS", default="-c jit=off")
    if DATABASE_CONNECTION_OPTIONS:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", DATABASE_CONNECTION_OPTIONS)

# A read replica for reports and exports (contactcare/db_router.py): they read there, everything else
# (and every write) uses the primary. Unset: everything reads the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the primary's test database
REPORT_DATABASE = "replica" if "replica" in DATABASES else "default"
DATABASE_ROUTERS = ["contactcare.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "contactcare.auth_backends.OneQueryModelBackend",  # ModelBackend, with a user's permissions in one query
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed attempts for
# one username from one address, that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.int("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # its log lines would carry usernames and addresses
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# --- Internationalisation and time ------------------------------------------

LANGUAGE_CODE = env("LANGUAGE_CODE", default="nl")
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["contactcare.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", default="Europe/Amsterdam")  # the desk's time zone: decides "today" and "due"

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))  # collectstatic writes here
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Security ---------------------------------------------------------------
# HTTPS-only settings are on by default outside DEBUG; a deployment that is
# not behind HTTPS (a local docker compose) turns them off with SECURE_HTTPS=0.

SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS preload is an explicit opt-in (SECURE_HSTS_PRELOAD=1): hard to undo, so
# leaving it off is a decision, not an oversight `check --deploy` should flag.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check speaks plain HTTP
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "contactcare.sessions"  # the database store, read with one hand-written SELECT
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 10)  # a working day
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script and no inline style: every script and stylesheet is a
# vendored or own file under static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)

# --- E-mail -----------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))  # for the file-based backend
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ContactCare <contactcare@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
# The embedded default needs no server: kombu's filesystem transport, with the
# queue in var/celery. Production sets CELERY_BROKER_URL=redis://…

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_QUEUE_DIR = Path(env("CELERY_QUEUE_DIR", default=str(VAR_DIR / "celery" / "queue")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),  # in and out are the SAME folder
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "processed_folder": str(CELERY_QUEUE_DIR.parent / "processed"),
        "control_folder": str(CELERY_QUEUE_DIR.parent / "control"),
        "store_processed": False,
        # kombu reads the folder once per poll (default every second): beat sends a few tasks per tick, and a
        # once-a-second poll let them queue up behind each other (a sweep waited tens of seconds in the tests)
        "polling_interval": 0.2,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE  # beat's crontabs read in the desk's time zone
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task is redelivered, not lost
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a web request must not hang when the broker is down: a few
# quick tries, then the caller gives up (the outbox sweep delivers later).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# What a task prints (the console e-mail backend of `make run`) stays plain
# output: Celery must never turn it into log records at WARNING (it does when
# it sets up logging itself; contactcare.celery sets it up from LOGGING).
CELERY_WORKER_REDIRECT_STDOUTS = False
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
# The outbox's task lives below the apps (no tasks.py to autodiscover).
CELERY_IMPORTS = ["contactcare.outbox"]

# Every periodic job, in one place. Each is an idempotent sweep that catches
# up on whatever it missed, so a late or doubled run is harmless.
SWEEP_INTERVAL_SECONDS = env.float("SWEEP_INTERVAL_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "promises-broken-sweep": {
        "task": "followups.tasks.broken_promises_sweep_task",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    "notifications-dispatch": {"task": "contactcare.outbox.dispatch_task", "schedule": SWEEP_INTERVAL_SECONDS},
    # Every ten minutes, so the digest goes out at DIGEST_TIME (07:30) and a
    # missed run catches up; the digest's unique key keeps it to one a day.
    "daily-digests": {"task": "followups.tasks.daily_digests_task", "schedule": crontab(minute="*/10")},
    # From Monday 07:00 (WEEKLY_REPORT_TIME) every quarter of an hour until every manager has last week's report.
    "weekly-report": {"task": "reports.tasks.weekly_report_mails_task", "schedule": crontab(minute="*/15")},
    # Issue 14, in step with it: each team lead hears what there is to "say you see it" for (once a week).
    "say-you-see-it": {"task": "coaching.tasks.say_you_see_it_task", "schedule": crontab(minute="5-59/15")},
    # The month's retention list, made on the 1st at 03:15 local; run daily so that a missed 1st catches up
    # (the list's unique month keeps it to one a month).
    "retention-list": {"task": "followups.tasks.retention_list_task", "schedule": crontab(minute=15, hour=3)},
    # Erases what a manager confirmed, in batches; each run continues where the last one stopped.
    "retention-erase": {"task": "followups.tasks.retention_erase_task", "schedule": crontab(minute=45)},
    # Keep-informed check-ins of open promises that have none (issue 13): logging a contact plans them, this
    # catches up promises from before, or from while it was switched off. One per promise, however often.
    "keep-informed": {"task": "followups.tasks.keep_informed_sweep_task", "schedule": crontab(minute="5-59/15")},
    # Handovers not accepted within HANDOVER_ESCALATE_AFTER_HOURS business hours reach the team lead (issue 13).
    "handovers-waiting": {"task": "followups.tasks.handovers_waiting_task", "schedule": SWEEP_INTERVAL_SECONDS},
}

# --- ContactCare --------------------------------------------------------------

PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="NL")
# No contact, and no report week, before this day. (django-environ has no env.date.)
CONTACT_EARLIEST_DATE = env.get_value("CONTACT_EARLIEST_DATE", cast=date.fromisoformat, default=date(2000, 1, 1))
# How far ahead a promise may be due or a check-in rescheduled: further is a typing error.
FOLLOWUP_HORIZON_DAYS = env.int("FOLLOWUP_HORIZON_DAYS", default=730)
REPEAT_CONTACT_WINDOW_DAYS = env.int("REPEAT_CONTACT_WINDOW_DAYS", default=7)
# An import file with more lines than this is checked (the dry run) in the Celery worker, with a progress bar;
# smaller files are checked at once, in the upload request.
IMPORT_DRY_RUN_INLINE_MAX_LINES = env.int("IMPORT_DRY_RUN_INLINE_MAX_LINES", default=2000)
DIGEST_TIME = env("DIGEST_TIME", default="07:30")  # local time the morning digest goes out
WEEKLY_REPORT_TIME = env("WEEKLY_REPORT_TIME", default="07:00")  # local time on Mondays
REMINDERS_DELAYED_AFTER_MINUTES = env.int("REMINDERS_DELAYED_AFTER_MINUTES", default=15)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# Customers without contact for this many years are listed each month and erased once a manager confirmed
# the list. Empty or 0: retention is off (no lists are made).
RETENTION_YEARS = int(env.str("RETENTION_YEARS", default="7").strip() or 0)
# One dispatch run takes up to this many notifications and sends each person one e-mail listing theirs
# (the first OUTBOX_LINES_PER_EMAIL, the count, and a link to NOTIFICATIONS_URL).
OUTBOX_BATCH = env.int("OUTBOX_BATCH", default=200_000)
OUTBOX_LINES_PER_EMAIL = env.int("OUTBOX_LINES_PER_EMAIL", default=25)
NOTIFICATIONS_URL = "followups:notification-list"  # a URL name, like LOGIN_URL
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")  # for links in e-mails

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SIMPLE_HISTORY_REVERT_DISABLED = True
# Reasons ("customer asked to be called next week") are kept whole, not cut at 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Push to the browser (Django Channels; issue 12) ---------------------------
# The screen-pop: a websocket per open tab (`/ws/calls/`, contactcare.asgi). Without
# CHANNEL_LAYER_URL the layer lives in memory, which works inside one process only
# (`make run`: the telephone endpoint and the sockets share runserver). In production
# set CHANNEL_LAYER_URL=redis://… so gunicorn's endpoint reaches the `push` process (daphne).
CHANNEL_LAYER_URL = env("CHANNEL_LAYER_URL", default="")
if CHANNEL_LAYER_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # No socket_timeout: a socket waits on BZPOPMIN for its next message.
                "hosts": [{"address": CHANNEL_LAYER_URL, "socket_connect_timeout": 2}],
                "prefix": env("CHANNEL_LAYER_PREFIX", default="contactcare"),
                "expiry": 30,  # a pop older than this is pointless: drop it
                "group_expiry": 60 * 60 * 24,  # a tab rejoins its group when it reconnects
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"expiry": 30}}}
# How long the telephone endpoint waits for the layer before giving the pop up.
PUSH_SEND_TIMEOUT_MS = env.int("PUSH_SEND_TIMEOUT_MS", default=500)
# Where browsers open the socket: empty = the page's own origin (ws(s)://<host>/ws/calls/).
# Set it (e.g. wss://push.example.org/ws/calls/) only when the push process has its own host;
# it is then allowed in the Content-Security-Policy's connect-src.
PUSH_URL = env("PUSH_URL", default="")
if PUSH_URL:
    from urllib.parse import urlsplit

    _push = urlsplit(PUSH_URL)
    if _push.scheme not in ("ws", "wss") or not _push.netloc:
        raise ImproperlyConfigured("PUSH_URL is a ws:// or wss:// URL (e.g. wss://push.example.org/ws/calls/).")
    # The page may open a socket there: connect-src names that origin beside 'self'.
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
        "connect-src 'self'", f"connect-src 'self' {_push.scheme}://{_push.netloc}", 1
    )

# --- Telephone system (CTI; issue 12) ------------------------------------------
# The telephone system's events are small; a body over this many bytes is refused (413).
CTI_MAX_BODY_BYTES = env.int("CTI_MAX_BODY_BYTES", default=16_384)
# The desk's number the simulator says was called (`manage.py cti_simulate`, the "Simulate a call" page).
CTI_SIMULATOR_DESK_NUMBER = env("CTI_SIMULATOR_DESK_NUMBER", default="+31201234567")
# Missed calls become callbacks (followups.services.callback_for_missed_call), due this many
# business hours after the call: only the desk's opening hours on business days (weekdays without
# NL public holidays) count, e.g. Friday 16:30 + 2 = Monday 10:30. Opening hours are local time.
DESK_OPENING_HOURS = env("DESK_OPENING_HOURS", default="09:00-17:00")
if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]", DESK_OPENING_HOURS, re.ASCII) or (
    DESK_OPENING_HOURS[:5] >= DESK_OPENING_HOURS[6:]
):
    raise ImproperlyConfigured("DESK_OPENING_HOURS must look like 09:00-17:00 (opening before closing).")
CALLBACK_BUSINESS_HOURS = env.float("CALLBACK_BUSINESS_HOURS", default=2.0)
if not 0 < CALLBACK_BUSINESS_HOURS <= 100:
    raise ImproperlyConfigured("CALLBACK_BUSINESS_HOURS must be more than 0 and at most 100.")

# --- Handovers (issue 13) ----------------------------------------------------------
# A customer handed over to a colleague or a team waits this many business hours (DESK_OPENING_HOURS on
# business days) to be accepted or passed on; then the receiving team's lead is told, once.
HANDOVER_ESCALATE_AFTER_HOURS = env.float("HANDOVER_ESCALATE_AFTER_HOURS", default=2.0)
if not 0 < HANDOVER_ESCALATE_AFTER_HOURS <= 100:
    raise ImproperlyConfigured("HANDOVER_ESCALATE_AFTER_HOURS must be more than 0 and at most 100.")

# --- REST API (issue 12) --------------------------------------------------------
# Personal tokens or the browser's session; the screens' permissions; cursor pages; JSON only (api/).
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="120/min")  # per token (per user for sessions); "" = off
API_IDEMPOTENCY_KEY_HOURS = env.int("API_IDEMPOTENCY_KEY_HOURS", default=24)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ContactCare API",
    "DESCRIPTION": "Customers, contacts, check-ins and promises. See the README's API section.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"SentimentEnum": "contacts.models.ContactMoment.Sentiment"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_common_errors"],
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
CELERY_BEAT_SCHEDULE["api-idempotency-keys-expire"] = {  # daily; keys are also ignored once 24 h old
    "task": "api.tasks.idempotency_keys_expire_task",
    "schedule": crontab(minute=30, hour=4),
}

# --- Outgoing webhooks (issue 12) -----------------------------------------------
# Managers register URLs at /webhooks/ (contactcare.webhooks); deliveries are outbox rows, POSTed signed,
# retried with the outbox's backoff (2, 4, 8 … minutes, at most an hour) and given up after this many attempts.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BATCH = env.int("WEBHOOK_BATCH", default=100)  # deliveries claimed at a time by one run
WEBHOOK_RUN_SECONDS = env.float("WEBHOOK_RUN_SECONDS", default=50.0)  # a run stops claiming after this long
# Off: URLs that resolve to loopback, private, link-local or multicast addresses are refused (SSRF guard).
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
# Overdue check-ins are announced once each, when their due date passed at most this many days ago.
WEBHOOK_OVERDUE_LOOKBACK_DAYS = env.int("WEBHOOK_OVERDUE_LOOKBACK_DAYS", default=7)
CELERY_IMPORTS = [*CELERY_IMPORTS, "contactcare.webhooks"]
CELERY_BEAT_SCHEDULE |= {
    "webhooks-dispatch": {"task": "contactcare.webhooks.dispatch_task", "schedule": SWEEP_INTERVAL_SECONDS},
    # Hourly: a check-in is overdue from the local midnight after its due date; a missed run catches up.
    "webhooks-checkins-overdue": {
        "task": "followups.tasks.checkins_overdue_webhooks_task",
        "schedule": crontab(minute=5),
    },
}


# --- Logging ----------------------------------------------------------------
# One JSON object a line (contactcare.logs), with query strings, e-mail
# addresses and phone numbers masked; no handler logs bodies. The web app, the
# Celery worker and beat (contactcare.celery) and gunicorn itself
# (contactcare.gunicorn_conf) all write this format.

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# kombu's warning on every connection of a transport without a host (filesystem://, memory://).
_HOSTLESS_BROKER_NOISE = (
    ["No hostname was supplied"] if CELERY_BROKER_URL.startswith(("filesystem:", "memory:")) else []
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "contactcare.logs.RedactPersonalDataFilter"},
        "hostless_broker": {"()": "contactcare.logs.DropMessageFilter", "prefixes": _HOSTLESS_BROKER_NOISE},
    },
    "formatters": {"json": {"()": "contactcare.logs.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        "kombu.connection": {"filters": ["hostless_broker"]},
        # The Celery worker's pool (billiard) logs here and does not propagate.
        "multiprocessing": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
    },
}

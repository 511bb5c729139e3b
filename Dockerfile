# ContactCare: one image for every process of the full stack (web, worker,
# beat, migrate); docker-compose.yml picks the command. Build: `docker compose
# build` (or `docker build -t contactcare .`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# gunicorn reads its worker count from WEB_CONCURRENCY; override at run time.
ENV WEB_CONCURRENCY=3

# The processes run as this unprivileged user; the code stays owned by root,
# so a compromised process cannot rewrite it.
RUN groupadd --system --gid 10001 contactcare \
 && useradd --system --uid 10001 --gid contactcare --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin contactcare

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
# psycopg[binary] ships wheels, so no compiler or libpq is needed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The project (.dockerignore keeps out .venv, .git, .env, databases, var/ and
# staticfiles/). The compiled translations (.mo) are committed: no gettext here.
COPY . .
RUN chmod 0755 docker/*.sh \
 && mkdir -p var staticfiles \
 && chown contactcare:contactcare var staticfiles

USER contactcare

# Static files are collected into the image (whitenoise serves them, hashed and
# compressed, with CompressedManifestStaticFilesStorage). The settings refuse to
# start without a SECRET_KEY outside DEBUG; this one exists only for this step.
RUN DEBUG=0 SECRET_KEY=build-only-not-secret ALLOWED_HOSTS=* python manage.py collectstatic --noinput

EXPOSE 8000

# No HEALTHCHECK here: the same image runs the worker and beat, which serve no
# HTTP; docker-compose.yml gives every service its own check.
#
# gunicorn's settings module makes its access and error logs JSON lines like
# the app's, with paths masked (no query strings, e-mail addresses or phone
# numbers). No control socket: there is no use for gunicornc in a container,
# and no home directory to put it in.
CMD ["gunicorn", "-c", "python:contactcare.gunicorn_conf", "contactcare.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket"]

#!/bin/sh
# One-shot start-up job of the full stack (the `migrate` service in
# docker-compose.yml): apply migrations, then make sure the admin superuser
# exists. Safe to run on every `docker compose up`:
#   - migrate is idempotent (roles are synced after it, see contactcare/roles.py);
#   - the superuser is created only when no user of that name exists yet
#     (`createsuperuser --noinput` fails on an existing name). An existing
#     user's password is never changed here: use `manage.py changepassword`.
# The superuser comes from DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_PASSWORD
# and DJANGO_SUPERUSER_EMAIL; without a password no superuser is created.
set -eu

python manage.py migrate --noinput

if [ -z "${DJANGO_SUPERUSER_USERNAME:-}" ] || [ -z "${DJANGO_SUPERUSER_PASSWORD:-}" ]; then
    echo "migrate.sh: DJANGO_SUPERUSER_USERNAME or DJANGO_SUPERUSER_PASSWORD not set: no superuser created"
    exit 0
fi

# Exit status 0: the user exists; 3: it does not; anything else: an error.
status=0
python manage.py shell --verbosity 0 --command '
import os, sys
from django.contrib.auth import get_user_model
User = get_user_model()
name = os.environ["DJANGO_SUPERUSER_USERNAME"]
sys.exit(0 if User._default_manager.filter(**{User.USERNAME_FIELD: name}).exists() else 3)
' || status=$?

case "$status" in
    0) echo "migrate.sh: superuser \"$DJANGO_SUPERUSER_USERNAME\" exists: left as it is" ;;
    3) python manage.py createsuperuser --noinput
       echo "migrate.sh: superuser \"$DJANGO_SUPERUSER_USERNAME\" created" ;;
    *) echo "migrate.sh: could not check for the superuser (exit status $status)" >&2
       exit "$status" ;;
esac

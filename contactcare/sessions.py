"""Sessions in the database, read with one hand-written SELECT.

Every request reads its session. Django's database store builds an ORM query
for it each time, which costs more Python than the database spends on the
lookup by primary key (issue 11: the fixed cost of a request). This store
reads the same row with the same rule (the key, not expired) and otherwise is
Django's: writing, expiry and `clearsessions` are unchanged.
"""

from types import SimpleNamespace

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        if not self.session_key:
            self._session_key = None
            return None
        table = connections["default"].ops.quote_name(self.model._meta.db_table)
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())  # SQLite keeps naive UTC text
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])

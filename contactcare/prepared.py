"""Reads whose SQL never changes shape: built with the ORM, compiled once per process, run with new values.

Some reads run on every request: the top bar's counts, for one. Building and
compiling their querysets cost several times what PostgreSQL spends running
them (issue 11: the fixed cost of a request). Writing them as SQL by hand
would state again what "open", "overdue" and "unread" mean, which the models
define once. A `PreparedRead` keeps the queryset as the one definition: the
first call builds it with stand-in values, compiles it, and notes where each
stand-in landed among the parameters; every later call puts the real values
in those places and runs the same SQL.

Only on PostgreSQL, and only when every stand-in was found as a parameter of
its own: anything else (SQLite, which adapts dates to text; a value the ORM
turned into something else) runs the ORM every time, as before. Rows come as
the database driver gives them, so use it for `values_list` reads of plain
columns and counts.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime
from threading import Lock

from django.db import connections
from django.db.models import QuerySet

_NOT_PREPARABLE = object()


def _stand_in(name: str, value, index: int):
    """A value of `value`'s type that no real call passes and no query holds as a constant."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: a bool cannot be told apart from other parameters")
    if isinstance(value, int):
        return -(2_000_000_000 + index)  # within a 32-bit column's range: the ORM drops a lookup beyond it
    if isinstance(value, datetime):
        return datetime(1001 + index, 2, 3, 4, 5, 6, 789, tzinfo=UTC)
    if isinstance(value, date):
        return date(1001 + index, 2, 3)
    if isinstance(value, str):
        return f"\x01stand-in {index} for {name}\x01"
    raise TypeError(f"{name}: {type(value).__name__} values are not supported")


class PreparedRead:
    def __init__(self, build: Callable[..., QuerySet]):
        """`build(**values)` returns the queryset (a values_list) for those values; it must use each value
        only as a parameter, as it is (pass derived values, e.g. the end of today, as values of their own)."""
        self.build = build
        self._compiled = {}  # alias → (sql, [(parameter position, value name)], constant params) or _NOT_PREPARABLE
        self._lock = Lock()

    def rows(self, **values) -> list[tuple]:
        alias = self.build(**values).db if not self._compiled else next(iter(self._compiled))
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias, values)
                self._compiled[alias] = compiled
        if compiled is _NOT_PREPARABLE:
            return list(self.build(**values))
        sql, places, params = compiled
        params = list(params)
        for position, name in places:
            params[position] = values[name]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _compile(self, alias: str, values: dict):
        """(sql, places, params) or _NOT_PREPARABLE. Compiled twice, with two different sets of stand-ins:
        the SQL must be the same and the parameters may differ only where a stand-in is. A parameter that
        moves with the values without being one of them (a date the build worked out from `now`, say) would
        otherwise be frozen at its first value; such a read is run by the ORM every time instead."""
        names = sorted(values)
        first = {name: _stand_in(name, values[name], i) for i, name in enumerate(names)}
        second = {name: _stand_in(name, values[name], i + len(names)) for i, name in enumerate(names)}
        if connections[alias].vendor != "postgresql":
            return _NOT_PREPARABLE
        compiled = []
        for stand_ins in (first, second):
            sql, params = self.build(**stand_ins).query.get_compiler(using=alias).as_sql()
            places = [
                (position, name)
                for position, param in enumerate(params)
                for name, stand_in in stand_ins.items()
                if type(param) is type(stand_in) and param == stand_in
            ]
            compiled.append((sql, places, list(params)))
        (sql, places, params), (other_sql, other_places, other_params) = compiled
        placed = {position for position, _name in places}
        moved = {i for i, (a, b) in enumerate(zip(params, other_params, strict=False)) if a != b}
        if (
            sql != other_sql
            or places != other_places
            or len(params) != len(other_params)
            or {name for _position, name in places} != set(names)
            or not moved <= placed
        ):
            return _NOT_PREPARABLE
        return sql, places, params

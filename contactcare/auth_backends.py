"""The signed-in user and their permissions in one statement per request.

Django's ModelBackend reads the user by id on every request, then (the first
time a view or template asks) their permissions in two queries: those given
to the user and those of the user's groups. Every page asks (the view's
decorator, the top bar's `perms`). Building those three ORM queries cost more
Python than the database spent on them (issue 11: about 2 ms of every
request's fixed cost). This backend reads the user's row and the names of all
their permissions in one hand-written SELECT, and keeps the set on the user
object exactly where ModelBackend keeps it for the rest of the request.

Nothing is kept beyond the request: the next request reads both again, so a
role taken away (a group left, a permission removed, a person deactivated)
counts from the very next click, in every process.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router

_SEPARATOR = ","  # app labels and codenames are identifiers: never a comma


@cache
def _user_sql(vendor: str) -> tuple[str, list[str]]:
    """(SQL taking the user id twice, the user model's attribute names in the order of its columns)."""
    user_model = get_user_model()
    q = connections["default"].ops.quote_name
    fields = user_model._meta.concrete_fields
    columns = ", ".join(f"u.{q(field.column)}" for field in fields)
    user_perms = user_model._meta.get_field("user_permissions").remote_field.through._meta.db_table
    user_groups = user_model._meta.get_field("groups").remote_field.through._meta.db_table
    group_perms = Group._meta.get_field("permissions").remote_field.through._meta.db_table
    label = f"ct.{q('app_label')} || '.' || p.{q('codename')}"
    aggregate = "string_agg" if vendor == "postgresql" else "group_concat"
    joined = f"{aggregate}({label}, '{_SEPARATOR}')"
    sql = f"""SELECT {columns},
        (SELECT {joined}
           FROM {q(Permission._meta.db_table)} p
           JOIN {q(ContentType._meta.db_table)} ct ON ct.id = p.content_type_id
          WHERE p.id IN (SELECT up.permission_id FROM {q(user_perms)} up WHERE up.user_id = u.id
                         UNION
                         SELECT gp.permission_id FROM {q(group_perms)} gp
                           JOIN {q(user_groups)} ug ON ug.group_id = gp.group_id
                          WHERE ug.user_id = u.id))
        FROM {q(user_model._meta.db_table)} u
        WHERE u.id = %s"""  # noqa: S608 - table and column names from the models, the id bound
    return sql, [field.attname for field in fields]


@cache
def _converters(alias: str) -> list[tuple[int, object, list]]:
    """What the ORM's compiler would apply to each of the user's columns as read from `alias`."""
    user_model, connection = get_user_model(), connections[alias]
    found = []
    for index, field in enumerate(user_model._meta.concrete_fields):
        column = field.get_col(user_model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return found


class OneQueryModelBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        alias = router.db_for_read(user_model)
        connection = connections[alias]
        sql, attnames = _user_sql(connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        *values, permissions = row
        for index, column, converters in _converters(alias):  # e.g. SQLite's datetimes, as the ORM reads them
            for converter in converters:
                values[index] = converter(values[index], column, connection)
        user = user_model.from_db(alias, attnames, values)
        if not self.user_can_authenticate(user):
            return None
        if not user.is_superuser:  # a superuser has every permission there is: ModelBackend reads them
            user._perm_cache = set(permissions.split(_SEPARATOR)) if permissions else set()
        return user

    def get_all_permissions(self, user_obj, obj=None):
        """The set get_user read; for a user object made elsewhere (tests, the API's token), one query."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            own = Permission.objects.filter(user=user_obj).values_list(*fields).order_by()
            of_groups = Permission.objects.filter(group__user=user_obj).values_list(*fields).order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in own.union(of_groups)}
        return user_obj._perm_cache

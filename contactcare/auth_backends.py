"""Permissions in one query per request.

Django's ModelBackend reads a user's permissions in two queries (those given
to the user, those of the user's groups) the first time a request asks, and
keeps them on the user object for the rest of that request. Every page asks
(the view's decorator, the top bar's `perms`), so every page paid both. This
backend reads the same set in one query (a UNION) and keeps it on the user
object exactly as Django does.

Nothing is kept beyond the request: the next request reads the set again, so
a role taken away (a group left, a permission removed) counts from the very
next click, in every process. A cross-request cache would save this one query
but would need invalidation in every process; not worth it for ~0.3 ms.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class OneQueryModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:  # every permission there is: ModelBackend reads them in one query already
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            own = Permission.objects.filter(user=user_obj).values_list(*fields).order_by()
            of_groups = Permission.objects.filter(group__user=user_obj).values_list(*fields).order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in own.union(of_groups)}
        return user_obj._perm_cache

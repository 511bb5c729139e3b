"""The screens' permissions for the API: Django permissions from `contactcare.roles`, never a copy of the rules.

Object access (another team's check-in or promise is 404) comes from
`followups.access`: the views start their querysets there.
"""

from rest_framework import permissions


class RolePermission(permissions.BasePermission):
    """The Django permissions a view names in `required_permissions`, per method (a dict) or for all (a list).

    Anonymous: 401 (not authenticated); a user without the permission: 403, as the screens.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        required = getattr(view, "required_permissions", ())
        if isinstance(required, dict):
            action = getattr(view, "action", None)
            required = required.get(action, required.get(request.method, ()))
        return request.user.has_perms(list(required))

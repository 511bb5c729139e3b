"""The three roles are Django groups; what each may do is a set of permissions.

Migrations grant each app's permissions to these groups (data migrations, so
a fresh database has working roles); views check permissions, never names.
"""

STAFF = "Staff"
TEAM_LEAD = "Team lead"
MANAGER = "Manager"
ALL = (STAFF, TEAM_LEAD, MANAGER)

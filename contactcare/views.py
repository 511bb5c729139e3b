from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from followups.sweeps import reminders_delayed

from . import health


def home(request):
    """Each role lands where its work is: managers on the weekly report, staff and team leads on My day."""
    if request.user.has_perm("followups.view_all_teams") and request.user.has_perm("reports.view_weekly_report"):
        return redirect("reports:weekly")
    if request.user.has_perm("followups.view_checkin"):
        return redirect("followups:my-day")
    return redirect("contacts:customer-search")


@require_safe  # GET and HEAD: load balancers probe with HEAD
@never_cache
@login_not_required
def healthz(request):
    """Reachability of the database and the broker: 200 when both answer, else 503.

    Open without login for load balancers and container health checks, so it
    says only "ok" or "unavailable" per part, never why. It also says whether
    reminders run on time ("delayed" when the scheduler is silent); that alone
    is no reason to restart the web process, so it does not make a 503.
    """
    checks = {"database": health.database_ok(connection), "broker": health.broker_ok()}
    status = 200 if all(checks.values()) else 503
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    if checks["database"]:
        body["reminders"] = "delayed" if reminders_delayed(now=timezone.now()) else "ok"
    return JsonResponse(body, status=status)

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health


def home(request):
    """Each role lands where its work is."""
    return redirect("contacts:customer-search")


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """Reachability of the database and the broker: 200 when both answer, else 503.

    Open without login for load balancers and container health checks, so it
    says only "ok" or "unavailable" per part, never why.
    """
    checks = {"database": health.database_ok(connection), "broker": health.broker_ok()}
    status = 200 if all(checks.values()) else 503
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    return JsonResponse(body, status=status)

"""Throttling per token (per user for the browser's session): API_THROTTLE_RATE requests, e.g. 120/min.

The counts live in Django's cache: LocMem per process unless CACHES is set,
so with several gunicorn workers the limit is per worker (see README, API).
"""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.API_THROTTLE_RATE or None  # read per request, so a test or an env change takes effect

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

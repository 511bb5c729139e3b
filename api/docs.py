"""The OpenAPI schema and its two readers, Swagger UI and ReDoc, served from our own static files (the sidecar).

The schema answers people who are logged in or send a token (401 otherwise):
it lists no data, but there is no reason to hand it to strangers. The
readers are pages, behind the login like every page.
"""

from django.contrib.auth.decorators import login_not_required
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from .authentication import ApiTokenAuthentication
from .throttling import TokenRateThrottle

# ReDoc styles itself with <style> elements it writes at run time and runs its search in a blob: worker; our
# policy allows neither, so ReDoc's page alone allows both. Scripts stay 'self' only (no inline script here).
REDOC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)


class SchemaView(SpectacularAPIView):
    schema = None  # not an operation of the API itself
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [TokenRateThrottle]

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))


class SwaggerView(SpectacularSwaggerSplitView):
    schema = None
    template_name = "api/swagger_ui.html"
    authentication_classes = [SessionAuthentication]


class RedocView(SpectacularRedocView):
    schema = None
    template_name = "api/redoc.html"
    authentication_classes = [SessionAuthentication]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_CSP
        return response

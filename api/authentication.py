"""Who an API request is: a personal token (`Authorization: Bearer <token>` or `Token <token>`), or the browser's
session (with CSRF, DRF's SessionAuthentication)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .services import token_authenticate

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token. Unknown, revoked or expired tokens and inactive users: 401, one message for all
    (a caller learns nothing about which tokens exist)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode("latin-1") not in KEYWORDS:
            return None  # no token: maybe the session
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid (anymore).")) from None
        token = token_authenticate(raw)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is not valid (anymore)."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'  # makes a missing token a 401 (with WWW-Authenticate), not a 403


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (API tokens page). `Token <token>` works too.",
        }

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy from settings on every response.

    Django 5.2 has no CSP support of its own (6.0 does); the policy allows
    scripts and styles from our own origin only, so no inline script runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        return response


class RejectNulBytesMiddleware:
    """Answer 400 to a request with a NUL byte in its path, query string or form fields.

    No person types one; PostgreSQL cannot store one in text, and code that
    passes it on would fail later. One check at the edge instead of in every view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return HttpResponseBadRequest(
                _("The request contains a character that is not allowed (NUL)."), content_type="text/plain"
            )
        return self.get_response(request)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())

from django.conf import settings


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

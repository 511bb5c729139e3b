"""What every API view shares: token or session, the screens' permissions, throttling, cursor pages, JSON only,
and the Idempotency-Key on every POST."""

import contextlib

from django.contrib.auth.decorators import login_not_required
from django.http.request import RawPostDataException
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser

from .authentication import ApiTokenAuthentication
from .idempotency import idempotent
from .pagination import ApiCursorPagination
from .permissions import RolePermission
from .throttling import TokenRateThrottle


class ApiView(generics.GenericAPIView):
    """Base of every API view. Subclasses name `required_permissions` ({method: [perm, ...]})."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]  # the first answers 401s
    permission_classes = [RolePermission]
    throttle_classes = [TokenRateThrottle]
    pagination_class = ApiCursorPagination
    parser_classes = [JSONParser]
    required_permissions: dict = {}

    @classmethod
    def as_view(cls, **initkwargs):
        # Django's LoginRequiredMiddleware would send an API client to the login page: the API answers 401 itself.
        return login_not_required(super().as_view(**initkwargs))

    def idempotency_customer(self, data) -> int | None:
        """The customer a stored answer is about (erasing them drops it): its `customer`, or its contact's."""
        if not isinstance(data, dict):
            return None
        contact = data.get("contact")
        return data.get("customer") or (contact.get("customer") if isinstance(contact, dict) else None)

    def dispatch(self, request, *args, **kwargs):
        """DRF's dispatch, with the POST handler run once per Idempotency-Key (after authentication, permission
        and throttling, so a key is always someone's)."""
        if request.method == "POST":
            with contextlib.suppress(RawPostDataException):  # a multipart form was read already: a 415 follows
                request.body  # noqa: B018 - read now: the key's fingerprint needs the body after DRF parsed it
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            handler = getattr(self, request.method.lower(), None)
            if request.method.lower() not in self.http_method_names or handler is None:
                handler = self.http_method_not_allowed

            def run():
                try:
                    return handler(request, *args, **kwargs)
                except Exception as exc:  # noqa: BLE001 - DRF's own handling, inside the key's transaction
                    return self.handle_exception(exc)

            response = (
                idempotent(request, run, customer_of=self.idempotency_customer) if request.method == "POST" else run()
            )
        except Exception as exc:  # noqa: BLE001 - as DRF's dispatch
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

"""Every API error as one JSON shape: {"detail": "...", "code": "...", "fields": {"name": ["..."]}}.

A service's django ValidationError becomes a 400 with its field errors, in
the request's language (Accept-Language); a missing object a 404, whatever
the reason (another team's check-in is not theirs to know about).
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


def _flatten(errors) -> dict:
    """DRF's nested error detail as {"field": ["message", ...]}; nested fields as "promises.0.due_at"."""
    flat: dict[str, list[str]] = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list) and value and all(isinstance(v, dict | list) for v in value):
            for index, inner in enumerate(value):
                walk(inner, f"{path}.{index}" if path else str(index))
        elif isinstance(value, list):
            flat.setdefault(path or NON_FIELD, []).extend(str(v) for v in value)
        elif value is not None:
            flat.setdefault(path or NON_FIELD, []).append(str(value))

    walk(errors, "")
    return flat


def _first_code(detail) -> str:
    codes = detail.get_codes() if hasattr(detail, "get_codes") else "invalid"
    while isinstance(codes, dict | list):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def service_error(error: DjangoValidationError, *, prefix: str = "") -> exceptions.ValidationError:
    """A service's ValidationError as DRF's, its fields kept (under `prefix`, e.g. "promises.1.")."""
    detail = as_serializer_error(error)
    if prefix:
        detail = {
            (f"{prefix}{key}" if key != NON_FIELD else prefix.rstrip(".")): value for key, value in detail.items()
        }
    exc_code = getattr(error, "code", None)
    if not exc_code:
        nested = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
        exc_code = next((e.code for errors in nested for e in errors if getattr(e, "code", None)), None)
    code = exc_code
    exc = exceptions.ValidationError(detail)
    exc.service_code = code or "invalid"
    return exc


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = service_error(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), [""])[0]
        response.data = {
            "detail": first or _("The request is not valid."),
            "code": getattr(exc, "service_code", None) or _first_code(exc.detail),
            "fields": fields,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    code = detail.code if hasattr(detail, "code") else getattr(exc, "default_code", "error")
    response.data = {"detail": str(detail), "code": str(code), "fields": {}}
    return response


def error_response(status_code: int, detail: str, code: str, headers: dict | None = None) -> Response:
    return Response({"detail": detail, "code": code, "fields": {}}, status=status_code, headers=headers)

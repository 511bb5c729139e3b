"""Cursor pagination for every list that grows: stable under inserts, each page one query, whatever its depth.

A cursor's position is checked against the ordering field before it reaches
the database: a forged cursor (a date that is none, an id past 64 bits) is a
400, never a database error.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination

from contactcare.forms import BIGINT_MAX

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200


class ApiCursorPagination(CursorPagination):
    page_size = PAGE_SIZE
    max_page_size = PAGE_SIZE_MAX
    page_size_query_param = "page_size"
    ordering = ("id",)  # views name their own; every ordering ends in the id, so it is unique
    invalid_cursor_message = _("This cursor cannot be read; start again from the first page.")

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"cursor": [self.invalid_cursor_message]}) from None
        if cursor is not None and cursor.position is not None and not self._position_valid(cursor.position):
            raise exceptions.ValidationError({"cursor": [self.invalid_cursor_message]})
        return cursor

    def _position_valid(self, position: str) -> bool:
        field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
        if "\x00" in position or len(position) > 100:
            return False
        try:
            value = field.to_python(position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            return False
        if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
            return isinstance(value, int) and -BIGINT_MAX <= value <= BIGINT_MAX
        if isinstance(field, models.DateTimeField):
            return value is not None and value.tzinfo is not None and 1 < value.year < 9999
        return value is not None

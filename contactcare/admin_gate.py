"""The admin writes through the services too: their rules, their normalisation, their history author.

A ModelAdmin with `ServiceAdminMixin` names a `service_save(request, obj, form, change)`
that calls the service. Its rules are checked while the form is validated
(a dry run, rolled back) so that a refusal shows on the admin form like any
field error, and the real save calls the same service.
"""

import copy

from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext

from .forms import ModelIdChoiceField, ModelIdMultipleChoiceField, add_service_error, id_in_range


class _DryRun(Exception):
    pass


class ServiceAdminMixin:
    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        admin = self

        class ServiceCheckedForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        admin.service_save(request, copy.deepcopy(self.instance), self, change)
                        raise _DryRun
                except _DryRun:
                    pass
                except ValidationError as error:
                    add_service_error(self, error)

        return ServiceCheckedForm

    def save_model(self, request, obj, form, change):
        self.service_save(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # The service saved the many-to-many fields itself; inlines are saved as usual.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReadOnlyAdminMixin:
    """Shown for looking things up; written only through the app's screens and their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IdGuardAdminMixin:
    """Ids the admin reads from a post (choices, ticked rows) beyond 64 bits are refused before the database.

    Django's admin hands them to the database driver, which overflows (a 500 on SQLite) — found by the probe
    with a 20-digit team member and a date as a ticked row.
    """

    def get_object(self, request, object_id, from_field=None):
        # An empty `?_to_field=` passes Django's check (it only checks a non-empty one) and then names a field ""
        # (FieldDoesNotExist, a 500): found by the probe on the handovers' change page (issue 13).
        return super().get_object(request, object_id, from_field or None)

    @staticmethod
    def _by_integer_id(db_field) -> bool:
        return isinstance(db_field.target_field, models.AutoField | models.BigAutoField | models.IntegerField)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if self._by_integer_id(db_field):
            kwargs.setdefault("form_class", ModelIdChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if self._by_integer_id(db_field):
            kwargs.setdefault("form_class", ModelIdMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def response_action(self, request, queryset):
        if not all(id_in_range(pk) for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            self.message_user(
                request,
                gettext("Items must be selected in order to perform actions on them. No items have been changed."),
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset)

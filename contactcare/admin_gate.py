"""The admin writes through the services too: their rules, their normalisation, their history author.

A ModelAdmin with `ServiceAdminMixin` names a `service_save(request, obj, form, change)`
that calls the service. Its rules are checked while the form is validated
(a dry run, rolled back) so that a refusal shows on the admin form like any
field error, and the real save calls the same service.
"""

import copy

from django.core.exceptions import ValidationError
from django.db import transaction

from .forms import add_service_error


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

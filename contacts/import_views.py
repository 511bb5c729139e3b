"""Importing customers or contact history: upload, preview with the column mapping, start, progress, report.

No rules here.
"""

import csv

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from contactcare.forms import add_service_error

from . import imports
from .models import CustomerImport

PERMISSION = "contacts.add_customerimport"


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("The file holds"),
        choices=CustomerImport.Kind.choices,
        initial=CustomerImport.Kind.CUSTOMERS,
        required=False,  # a form without the choice (an older page, a script) uploads customers, as before
        widget=forms.RadioSelect,
        help_text=_(
            "Contact history: one contact a line (date, channel, direction, topic, summary and the customer's "
            "number, e-mail or phone). Imported contacts plan no check-ins."
        ),
    )
    file = forms.FileField(
        label=_("File to import"),
        help_text=_("CSV (UTF-8, separated by ; or ,) or XLSX, with a header line; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or CustomerImport.Kind.CUSTOMERS


class ImportMappingForm(forms.Form):
    """A select per column of the file: which customer field it fills."""

    def __init__(self, *args, headers: list[str], mapping: dict[str, str], kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or f"#{index + 1}",
                choices=imports.field_choices(kind),
                required=False,
                initial=mapping.get(str(index), ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("column_"): value for name, value in self.cleaned_data.items()}


@permission_required(PERMISSION, raise_exception=True)
def customer_import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # A file over the limit is refused by its size, before it is read into memory.
        content = upload.read() if upload.size <= imports.MAX_BYTES else upload.read(imports.MAX_BYTES + 1)
        try:
            customer_import = imports.customer_import_upload(
                actor=request.user,
                file_name=upload.name,
                content=content,
                language=get_language(),
                size=upload.size,
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(customer_import)
    recent = CustomerImport.objects.select_related("actor").defer("content", "errors", "preview", "mapping", "headers")[
        :10
    ]
    return render(request, "contacts/import_upload.html", {"form": form, "imports": recent})


def _mapping_form(customer_import, data=None) -> ImportMappingForm:
    return ImportMappingForm(
        data,
        headers=imports.import_headers(customer_import),
        mapping=customer_import.mapping,
        kind=customer_import.kind,
    )


def _detail(request, customer_import, form, status=200):
    context = {
        "customer_import": customer_import,
        "labels": dict(imports.field_choices(customer_import.kind)),
        "form": form,
    }
    return render(request, "contacts/import_detail.html", context, status=status)


@permission_required(PERMISSION, raise_exception=True)
def customer_import_detail(request, pk):
    customer_import = get_object_or_404(CustomerImport, pk=pk)
    checked = customer_import.status == CustomerImport.Status.CHECKED
    return _detail(request, customer_import, _mapping_form(customer_import) if checked else None)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def customer_import_map(request, pk):
    customer_import = get_object_or_404(CustomerImport, pk=pk)
    form = _mapping_form(customer_import, request.POST)
    if form.is_valid():
        try:
            imports.customer_import_map(customer_import=customer_import, actor=request.user, mapping=form.mapping())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(customer_import)
    return _detail(request, customer_import, form, status=400)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def customer_import_start(request, pk):
    customer_import = get_object_or_404(CustomerImport, pk=pk)
    try:
        imports.customer_import_start(customer_import=customer_import, actor=request.user)
    except ValidationError as error:
        if customer_import.status != CustomerImport.Status.CHECKED:
            return redirect(customer_import)  # still being checked: the page says so and follows the check
        form = _mapping_form(customer_import)
        add_service_error(form, error)
        return _detail(request, customer_import, form, status=400)
    return redirect(customer_import)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def customer_import_check_again(request, pk):
    customer_import = get_object_or_404(CustomerImport.objects.defer("content", "preview"), pk=pk)
    imports.customer_import_check_again(customer_import=customer_import, actor=request.user)
    return redirect(customer_import)


@permission_required(PERMISSION, raise_exception=True)
def customer_import_progress(request, pk):
    """The progress partial the page polls every second while the file is checked or imported."""
    customer_import = get_object_or_404(CustomerImport.objects.defer("content", "preview"), pk=pk)
    if request.htmx and customer_import.status == CustomerImport.Status.CHECKED:
        return HttpResponseClientRefresh()  # the check is done: the whole page shows its preview and columns
    return render(request, "contacts/_import_progress.html", {"customer_import": customer_import})


@permission_required(PERMISSION, raise_exception=True)
def customer_import_report(request, pk):
    customer_import = get_object_or_404(CustomerImport.objects.defer("content", "preview"), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{customer_import.pk}-report.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    csv.writer(response, delimiter=";").writerows(imports.report_rows(customer_import))
    return response

"""Importing customers: upload, preview with the column mapping, start, progress, report. No rules here."""

import csv

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from contactcare.forms import add_service_error

from . import imports
from .models import CustomerImport

PERMISSION = "contacts.add_customerimport"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Customer file"),
        help_text=_("CSV (UTF-8, separated by ; or ,) or XLSX, with a header line; at most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class ImportMappingForm(forms.Form):
    """A select per column of the file: which customer field it fills."""

    def __init__(self, *args, headers: list[str], mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or f"#{index + 1}",
                choices=imports.field_choices(),
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
                actor=request.user, file_name=upload.name, content=content, language=get_language(), size=upload.size
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(customer_import)
    recent = CustomerImport.objects.select_related("actor").defer("content", "errors", "preview", "mapping")[:10]
    return render(request, "contacts/import_upload.html", {"form": form, "imports": recent})


def _mapping_form(customer_import, data=None) -> ImportMappingForm:
    headers, _rows = imports.customer_import_headers(customer_import)
    return ImportMappingForm(data, headers=headers, mapping=customer_import.mapping)


@permission_required(PERMISSION, raise_exception=True)
def customer_import_detail(request, pk):
    customer_import = get_object_or_404(CustomerImport, pk=pk)
    context = {"customer_import": customer_import, "labels": dict(imports.field_choices())}
    if customer_import.status == CustomerImport.Status.CHECKED:
        context["form"] = _mapping_form(customer_import)
    return render(request, "contacts/import_detail.html", context)


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
    context = {"customer_import": customer_import, "labels": dict(imports.field_choices()), "form": form}
    return render(request, "contacts/import_detail.html", context, status=400)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def customer_import_start(request, pk):
    customer_import = get_object_or_404(CustomerImport, pk=pk)
    try:
        imports.customer_import_start(customer_import=customer_import, actor=request.user)
    except ValidationError as error:
        form = _mapping_form(customer_import)
        add_service_error(form, error)
        context = {"customer_import": customer_import, "labels": dict(imports.field_choices()), "form": form}
        return render(request, "contacts/import_detail.html", context, status=400)
    return redirect(customer_import)


@permission_required(PERMISSION, raise_exception=True)
def customer_import_progress(request, pk):
    """The progress partial the page polls every second while the import runs."""
    customer_import = get_object_or_404(CustomerImport.objects.defer("content", "preview"), pk=pk)
    return render(request, "contacts/_import_progress.html", {"customer_import": customer_import})


@permission_required(PERMISSION, raise_exception=True)
def customer_import_report(request, pk):
    customer_import = get_object_or_404(CustomerImport.objects.defer("content", "preview"), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{customer_import.pk}-report.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    csv.writer(response, delimiter=";").writerows(imports.report_rows(customer_import))
    return response

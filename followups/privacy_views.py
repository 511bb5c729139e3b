"""The privacy screens on a customer: export (a ZIP download) and erase (after a confirmation), managers only."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactcare.forms import add_service_error
from contacts.models import Customer
from contacts.views import merged_customer_redirect

from . import privacy
from .forms import CustomerEraseForm


@require_POST
@permission_required("contactcare.export_customer_data", raise_exception=True)
def customer_export(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:  # its data is exported with the customer it was merged into
        return merged_customer_redirect(request, customer)
    archive = privacy.customer_export(customer=customer, actor=request.user)
    return FileResponse(
        archive, as_attachment=True, filename=f"customer-{customer.pk}-export.zip", content_type="application/zip"
    )


@permission_required("contactcare.erase_customer", raise_exception=True)
def customer_erase(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:  # erased with the customer it was merged into
        return merged_customer_redirect(request, customer, url_name="followups:customer-erase")
    if privacy.customer_is_erased(customer):
        messages.info(request, _("This customer has already been erased."))
        return redirect(customer)
    form = CustomerEraseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.customer_erase(customer=customer, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The customer has been erased. Their contacts stay as anonymous rows."))
            return redirect("contacts:customer-detail", pk=customer.pk)
    return render(request, "followups/privacy_erase.html", {"customer": customer, "form": form})

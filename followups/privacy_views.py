"""The privacy screens on a customer: export (a ZIP download) and erase (after a confirmation), managers only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from contactcare.forms import add_service_error
from contacts.models import Customer
from contacts.normalize import customer_number_normalize

from . import privacy


class CustomerEraseForm(forms.Form):
    """Shape only: the customer number typed back (so nobody erases the wrong person) and a reason."""

    confirmation = forms.CharField(label=gettext_lazy("Type the customer number to confirm"), max_length=50, strip=True)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("The request's reference or date; no personal data, it is kept in the audit log."),
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"]
        if customer_number_normalize(typed) != self.customer.customer_number:
            raise ValidationError(_("This is not the customer number of this customer."), code="mismatch")
        return typed


@require_POST
@permission_required("contactcare.export_customer_data", raise_exception=True)
def customer_export(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    archive = privacy.customer_export(customer=customer, actor=request.user)
    return FileResponse(
        archive, as_attachment=True, filename=f"customer-{customer.pk}-export.zip", content_type="application/zip"
    )


@permission_required("contactcare.erase_customer", raise_exception=True)
def customer_erase(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
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

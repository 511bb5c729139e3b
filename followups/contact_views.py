"""Correcting and deleting a logged contact: thin views over `services.contact_correct` / `contact_delete`.

Who may do what is `access.contact_rights`; to anyone else the contact does not exist (404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from contactcare.forms import add_service_error
from contacts.models import ContactMoment, Team

from . import access, services
from .forms import CorrectContactForm, DeleteContactForm


def _moment_for(request, pk: int, right: str, *, deleted_too: bool = False) -> ContactMoment:
    contacts = ContactMoment.objects.all() if deleted_too else ContactMoment.objects.alive()
    moment = get_object_or_404(contacts.select_related("customer", "team", "topic"), pk=pk)
    if not getattr(access.contact_rights(user=request.user, moment=moment, deleted_too=deleted_too), right):
        raise Http404
    return moment


@login_required
def contact_correct(request, pk):
    moment = _moment_for(request, pk, "correct")
    form = CorrectContactForm(request.POST or None, moment=moment, teams=Team.objects.all())
    if request.method == "POST" and form.is_valid():
        try:
            moment = services.contact_correct(
                moment=moment, actor=request.user, reason=form.cleaned_data["reason"], **form.moment_fields()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact corrected."))
            return redirect(f"{moment.customer.get_absolute_url()}#contact-{moment.pk}")
    return render(request, "followups/contact_correct.html", {"moment": moment, "form": form})


@login_required
def contact_delete(request, pk):
    # A double click, or the Back button after deleting, finds the contact deleted: say so, do nothing.
    moment = _moment_for(request, pk, "delete", deleted_too=True)
    if moment.deleted_at is not None:
        messages.info(request, _("This contact was already deleted."))
        return redirect(moment.customer)
    form = DeleteContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_delete(moment=moment, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact deleted; its open check-ins and promises are closed."))
            return redirect(moment.customer)
    return render(request, "followups/contact_delete.html", {"moment": moment, "form": form})

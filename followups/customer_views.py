"""The Customers page: parse the filters, read one keyset page, render. Rules live in customer_list."""

from django import forms
from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contactcare.forms import ModelIdChoiceField
from contacts.models import Team

from .customer_list import SORT_LAST_CONTACT, SORT_NAME, CustomerFilters, cursor_decode, customer_list


class CustomerFilterForm(forms.Form):
    """Shape only: a team id, two dates, two flags, a sort and the cursor a "next" link carried."""

    team = ModelIdChoiceField(
        label=_("team of last contact"), queryset=Team.objects.order_by("name"), required=False, empty_label=_("all")
    )
    contact_from = forms.DateField(
        label=_("last contact on or after"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    contact_before = forms.DateField(
        label=_("last contact before"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    open_promises = forms.BooleanField(label=_("has open promises"), required=False)
    overdue_checkins = forms.BooleanField(label=_("has overdue check-ins"), required=False)
    sort = forms.ChoiceField(
        label=_("sort by"),
        choices=[(SORT_NAME, _("name")), (SORT_LAST_CONTACT, _("last contact, newest first"))],
        required=False,
    )
    after = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("team", "sort"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("contact_from", "contact_before"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        for name in ("open_promises", "overdue_checkins"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def clean_after(self):
        text = self.cleaned_data["after"]
        if not text:
            return None
        try:
            return cursor_decode(text, sort=self.data.get("sort") or SORT_NAME)
        except ValueError:
            raise forms.ValidationError(
                _("This page link cannot be read; start again from the first page."), code="cursor"
            ) from None

    def filters(self) -> CustomerFilters:
        data = self.cleaned_data
        return CustomerFilters(
            team=data["team"],
            contact_from=data["contact_from"],
            contact_before=data["contact_before"],
            open_promises=data["open_promises"],
            overdue_checkins=data["overdue_checkins"],
            sort=data["sort"] or SORT_NAME,
        )


@permission_required("contacts.view_customer", raise_exception=True)
def customer_list_page(request):
    form = CustomerFilterForm(request.GET)
    if not form.is_valid():  # a hand-made or stale query string: say what cannot be read, never a 500
        return render(request, "followups/customer_list.html", {"form": form, "page": None}, status=400)
    page = customer_list(filters=form.filters(), after=form.cleaned_data["after"], today=timezone.localdate())
    next_query = None
    if page.next_cursor:
        query = request.GET.copy()
        query["after"] = page.next_cursor
        next_query = query.urlencode()
    first_query = request.GET.copy()
    first_query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "next_query": next_query,
        "first_query": first_query.urlencode(),
        "paged": form.cleaned_data["after"] is not None,
    }
    return render(request, "followups/customer_list.html", context)

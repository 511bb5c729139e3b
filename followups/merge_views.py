"""Merging duplicates: pick the other customer, compare side by side, confirm. Rules live in followups/merge.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contactcare.forms import SubmissionKeyField, add_service_error, with_submission_key
from contactcare.services import AlreadySubmitted
from contacts.models import Customer

from . import merge

MERGE_PERMISSIONS = ["contacts.view_customer", "contacts.merge_customer"]
THIS, OTHER = "this", "other"


class MergePickForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Customer number, name, phone or e-mail"), required=False, max_length=200)


class MergeForm(forms.Form):
    """Per field, whose value stays: this customer's or the other's. The customer number's choice decides the row
    that stays."""

    submission_key = SubmissionKeyField()

    def __init__(self, *args, this: Customer, other: Customer, **kwargs):
        survivor = merge.default_survivor(this, other)
        initial = {}
        for name in merge.MERGE_FIELDS:
            own = merge.field_display(survivor, name)
            side = THIS if survivor == this else OTHER
            if not own and merge.field_display(other if survivor == this else this, name):
                side = OTHER if side == THIS else THIS  # an empty value gives way to a filled one
            initial[name] = side
        super().__init__(*args, initial=initial, **kwargs)
        for name in merge.MERGE_FIELDS:
            self.fields[name] = forms.ChoiceField(
                label=Customer._meta.get_field(name).verbose_name,
                choices=[
                    (THIS, merge.field_display(this, name) or "—"),
                    (OTHER, merge.field_display(other, name) or "—"),
                ],
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )

    def sides(self, this: Customer, other: Customer) -> tuple[Customer, Customer, dict]:
        """(survivor, absorbed, values for merge.customers_merge) from the choices made."""
        data = self.cleaned_data
        survivor_side = data["customer_number"]
        survivor, absorbed = (this, other) if survivor_side == THIS else (other, this)
        values = {
            name: merge.SURVIVOR if data[name] == survivor_side else merge.ABSORBED for name in merge.VALUE_FIELDS
        }
        return survivor, absorbed, values

    def rows(self):
        """The bound fields of the side-by-side table, customer number first."""
        return [self[name] for name in merge.MERGE_FIELDS]


def _merged_elsewhere(request, customer: Customer):
    messages.info(
        request,
        _("%(number)s has already been merged into this customer.") % {"number": customer.customer_number},
    )
    return redirect("contacts:customer-detail", pk=customer.merged_into_id)


@permission_required(MERGE_PERMISSIONS, raise_exception=True)
def customer_merge_pick(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return _merged_elsewhere(request, customer)
    form = MergePickForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    duplicates, hits = merge.merge_candidates(customer=customer, query=query)
    context = {"customer": customer, "form": form, "query": query, "duplicates": duplicates, "hits": hits}
    return render(request, "followups/merge_pick.html", context)


@permission_required(MERGE_PERMISSIONS, raise_exception=True)
def customer_merge(request, pk, other_pk):
    this = get_object_or_404(Customer, pk=pk)
    other = get_object_or_404(Customer, pk=other_pk)
    if request.method != "POST":
        for customer in (this, other):
            if customer.merged_into_id:
                return _merged_elsewhere(request, customer)
    form = with_submission_key(MergeForm(request.POST or None, this=this, other=other))
    if request.method == "POST" and form.is_valid():
        survivor, absorbed, values = form.sides(this, other)
        try:
            record = merge.customers_merge(
                survivor=survivor,
                absorbed=absorbed,
                values=values,
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
            )
        except AlreadySubmitted as repeat:
            messages.info(request, _("These customers were already merged; nothing was merged twice."))
            target = repeat.target.survivor_id if repeat.target is not None else this.merged_into_id or this.pk
            return redirect("contacts:customer-detail", pk=target)
        except ValidationError as error:
            add_service_error(form, error)
            this.refresh_from_db()
            other.refresh_from_db()
        else:
            messages.success(
                request,
                _("%(number)s was merged into this customer.") % {"number": absorbed.customer_number},
            )
            return redirect("contacts:customer-detail", pk=record.survivor_id)
    preview = merge.customers_merge_preview(first=this, second=other)
    context = {
        "this": this,
        "other": other,
        "form": form,
        "preview": preview,
        "this_counts": preview.counts[this.pk],
        "other_counts": preview.counts[other.pk],
    }
    return render(request, "followups/merge_compare.html", context)

"""Parse the request, call a selector or service, render. No rules here."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactcare.forms import add_service_error
from contactcare.responses import already_saved
from contactcare.services import AlreadySubmitted

from . import panels, selectors, services
from .forms import CustomerDetailForm, CustomerForm
from .models import Customer, CustomerDetail
from .normalize import phone_display, phone_normalize

LAST_CONTACTS = 3  # the recognition panel's "Last contacts"


def merged_customer_redirect(request, customer: Customer, *, url_name: str = "contacts:customer-detail"):
    """A merged customer's page answers with the customer it was merged into, never acting on the old row.

    A GET lands on the same page of that customer; a POST (a form opened before the merge) does nothing and
    lands on that customer's page, saying so: there it can be done again.
    """
    survivor = customer.merged_into_id
    if request.method == "POST":
        messages.warning(
            request,
            _("%(number)s was merged into this customer; nothing was saved. Please do it again here.")
            % {"number": customer.customer_number},
        )
        return redirect("contacts:customer-detail", pk=survivor)
    if not request.htmx:  # a panel refreshed in the page follows quietly
        messages.info(request, _("%(number)s was merged into this customer.") % {"number": customer.customer_number})
    query = request.GET.urlencode()
    return redirect(reverse(url_name, args=[survivor]) + (f"?{query}" if query else ""))


@permission_required("contacts.view_customer", raise_exception=True)
def customer_search(request):
    query = request.GET.get("q", "")
    context = {"query": query, "terms": selectors.search_terms(query)}
    if request.htmx:  # the top bar's dropdown: the best ten, and whether there are more
        hits = selectors.customer_search(query=query, limit=selectors.SEARCH_HITS + 1)
        context |= {"results": hits[: selectors.SEARCH_HITS], "more": len(hits) > selectors.SEARCH_HITS}
        return render(request, "contacts/_search_results.html", context)
    page = selectors.customer_search_page(query=query, page=request.GET.get("page"))
    if page and "go" in request.GET:  # Enter in the top bar opens the best hit
        return redirect(page[0])
    context |= {"results": page, "page": page, "count_cap": selectors.SEARCH_COUNT_CAP}
    return render(request, "contacts/customer_search.html", context)


@permission_required("contacts.view_customer", raise_exception=True)
def customer_detail(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return merged_customer_redirect(request, customer)
    timeline = selectors.customer_timeline(customer=customer, page=request.GET.get("page"))
    if request.htmx and request.htmx.target == "timeline":
        return render(request, "contacts/_timeline.html", {"customer": customer, "timeline": timeline})
    context = {
        "customer": customer,
        "details": list(customer.details.all()),
        "detail_form": CustomerDetailForm(),
        # On the first page the last contacts are the timeline's first rows: no second read of the same rows.
        "last_contacts": list(timeline[:LAST_CONTACTS])
        if timeline.number == 1
        else selectors.customer_last_contacts(customer=customer, count=LAST_CONTACTS),
        "timeline": timeline,
        # What other apps add (promises and check-ins), rendered in this response: no second request.
        "panels": panels.customer_panels(request=request, customer=customer),
    }
    return render(request, "contacts/customer_detail.html", context)


@permission_required("contacts.view_customer", raise_exception=True)
def customer_history(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return merged_customer_redirect(request, customer, url_name="contacts:customer-history")
    changes = selectors.customer_history(customer=customer)
    merges = list(customer.merges.select_related("absorbed", "actor"))
    return render(
        request, "contacts/customer_history.html", {"customer": customer, "changes": changes, "merges": merges}
    )


@permission_required("contacts.add_customer", raise_exception=True)
def customer_create(request):
    # From a search without hits: what was typed goes to the field it looks like (phone, e-mail, number, name).
    terms = selectors.search_terms(request.GET.get("q", ""))
    initial = {terms.field: terms.field_value} if terms.field else {}
    # From a call ("Log now" on a callback, the screen-pop): ?phone=<number>, as people read it; not a number: ignored.
    phone = phone_normalize(request.GET.get("phone", "")[:40])
    if phone:
        initial["phone"] = phone_display(phone)
    form = CustomerForm(request.POST or None, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        fields, key = form.customer_fields(), form.cleaned_data["submission_key"]
        # Before saving: the customers this one may be. "Create anyway" skips the question, and so does a
        # repeat of a form that was saved already (it lands on what it created).
        if request.POST.get("create_anyway") != "1" and not selectors.submission_taken(actor=request.user, key=key):
            duplicates = selectors.customer_possible_duplicates(
                full_name=fields["full_name"], phone=fields["phone"], email=fields["email"]
            )
        if not duplicates:
            try:
                customer = services.customer_create(actor=request.user, submission_key=key, **fields)
            except AlreadySubmitted as repeat:
                return already_saved(request, repeat.target, default=reverse("contacts:customer-search"))
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Customer created."))
                return redirect(customer)
    form.autofocus()  # now that errors are known: the first field in error
    return render(request, "contacts/customer_form.html", {"form": form, "duplicates": duplicates})


@permission_required("contacts.change_customer", raise_exception=True)
def customer_update(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return merged_customer_redirect(request, customer, url_name="contacts:customer-update")
    form = CustomerForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, actor=request.user, **form.customer_fields())
        except ValidationError as error:
            add_service_error(form, error)
            customer.refresh_from_db()
        else:
            messages.success(request, _("Customer saved."))
            return redirect(customer)
    return render(request, "contacts/customer_form.html", {"form": form, "customer": customer})


@require_POST
@permission_required("contacts.add_customerdetail", raise_exception=True)
def customer_detail_add(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return merged_customer_redirect(request, customer)
    form = CustomerDetailForm(request.POST)
    if form.is_valid():
        try:
            services.customer_detail_add(customer=customer, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
    if form.errors:
        errors = " ".join(message for messages_ in form.errors.values() for message in messages_)
        messages.error(request, _("The detail was not added: %(errors)s") % {"errors": errors})
    else:
        messages.success(request, _("Detail added."))
    return redirect(f"{customer.get_absolute_url()}#details")


@require_POST
@permission_required("contacts.change_customerdetail", raise_exception=True)
def customer_detail_pin(request, pk, detail_pk):
    detail = get_object_or_404(CustomerDetail, pk=detail_pk, customer_id=pk)
    services.customer_detail_set_pinned(detail=detail, actor=request.user, is_pinned=request.POST.get("pinned") == "1")
    return redirect(f"{detail.customer.get_absolute_url()}#details")


@require_POST
@permission_required("contacts.delete_customerdetail", raise_exception=True)
def customer_detail_remove(request, pk, detail_pk):
    detail = get_object_or_404(CustomerDetail, pk=detail_pk, customer_id=pk)
    services.customer_detail_remove(detail=detail, actor=request.user)
    messages.success(request, _("Detail removed."))
    return redirect(f"{detail.customer.get_absolute_url()}#details")

"""Handing a customer over, accepting and passing on (issue 13): thin views over `followups.handovers`.

Who may accept or pass on is `access.handovers_for`; to anyone else the
handover does not exist (404). The forms work inline for htmx (in the row,
on My day) and as pages of their own without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcare.forms import add_service_error
from contactcare.responses import already_saved, redirect_next, safe_next
from contactcare.services import AlreadySubmitted
from contacts.models import Customer
from contacts.views import merged_customer_redirect

from . import access, handovers
from .forms import HandoverAcceptForm, HandoverForm
from .views import _row_or_redirect

ROW = "followups/_handover_row.html"


@permission_required("followups.add_handover", raise_exception=True)
def customer_handover(request, pk):
    """*Hand over…* from the customer page: to a colleague or a team, with a note."""
    customer = get_object_or_404(Customer, pk=pk)
    if customer.merged_into_id:
        return merged_customer_redirect(request, customer, url_name="followups:customer-handover")
    form = HandoverForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            handover = handovers.handover_create(
                customer=customer,
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                **form.handover_fields(),
            )
        except AlreadySubmitted:
            return already_saved(request, customer, default=customer.get_absolute_url())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(customer)s is handed over to %(to)s, who sees your note at the top of My day.")
                % {"customer": customer.full_name, "to": form.cleaned_data["to"].label},
            )
            return redirect(handover.get_absolute_url())
    context = {"customer": customer, "form": form, "title": _("Hand over %(name)s") % {"name": customer.full_name}}
    return render(request, "followups/handover_form.html", context)


def _handover_for(request, pk):
    return get_object_or_404(
        access.handovers_for(user=request.user).select_related("customer", "from_user", "to_user", "to_team"), pk=pk
    )


def _answered(request, handover, done: str):
    """After accepting or passing on: the row (htmx, with My day's numbers), else back where the user was."""
    handover = handovers.handover_row(pk=handover.pk, now=timezone.now())
    if not request.htmx:
        messages.success(request, done)
    context = {"handover": handover, "next": safe_next(request, "")}
    return _row_or_redirect(request, ROW, context, f"handover-{handover.pk}", handover.get_absolute_url())


def _refused(request, handover, error: ValidationError):
    """Someone else answered first (or the user did, a moment ago): say so, and show the row as it is now."""
    if request.htmx:  # the row, swapped in, says it: "accepted by Chris, Thu 10:42"
        return _answered(request, handover, "")
    if getattr(error, "code", None) == "accepted_by_you":
        messages.info(request, " ".join(error.messages))
    else:
        messages.warning(request, " ".join(error.messages))
    return redirect_next(request, handover.get_absolute_url())


def _page(request, *, handover, form, title: str, submit: str, template: str):
    context = {
        "handover": handover,
        "form": form,
        "title": title,
        "submit": submit,
        "action": request.path,
        "next": safe_next(request, handover.get_absolute_url()),
    }
    if request.htmx:
        return render(request, f"followups/_{template}.html", context)
    return render(request, f"followups/{template}.html", context)


@permission_required("followups.change_handover", raise_exception=True)
def handover_accept(request, pk):
    """Accept: the user becomes the holder of the open check-ins and promises they tick."""
    handover = _handover_for(request, pk)
    # Bound on every POST: accepting with nothing ticked posts no field at all.
    form = HandoverAcceptForm(request.POST if request.method == "POST" else None, handover=handover)
    if request.method == "POST" and form.is_valid():
        try:
            handovers.handover_accept(handover=handover, actor=request.user, items=form.items())
        except ValidationError as error:
            return _refused(request, handover, error)
        done = _("You accepted %(customer)s: %(count)s open items are yours now.") % {
            "customer": handover.customer.full_name,
            "count": len(form.items()),
        }
        return _answered(request, handover, done)
    title = _("Accept %(name)s") % {"name": handover.customer.full_name}
    return _page(request, handover=handover, form=form, title=title, submit=_("Accept"), template="handover_accept")


@permission_required("followups.change_handover", raise_exception=True)
def handover_pass_on(request, pk):
    """Pass on: to someone who can help, with a note of one's own."""
    handover = _handover_for(request, pk)
    form = HandoverForm(request.POST if request.method == "POST" else None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            following = handovers.handover_pass_on(
                handover=handover,
                actor=request.user,
                submission_key=form.cleaned_data["submission_key"],
                **form.handover_fields(),
            )
        except AlreadySubmitted:
            return already_saved(request, handover, default=handover.get_absolute_url())
        except ValidationError as error:
            if getattr(error, "code", None) in {"accepted", "accepted_by_you", "passed_on", "withdrawn", "not_yours"}:
                return _refused(request, handover, error)
            add_service_error(form, error)
        else:
            done = _("%(customer)s is passed on to %(to)s.") % {
                "customer": following.customer.full_name,
                "to": form.cleaned_data["to"].label,
            }
            return _answered(request, handover, done)
    title = _("Pass %(name)s on") % {"name": handover.customer.full_name}
    return _page(request, handover=handover, form=form, title=title, submit=_("Pass on"), template="handover_pass_on")

"""The retention screens (managers): the month's list, excluding a customer, confirming or setting the list aside.

Thin: each view parses, calls one service of followups.retention, and renders
or redirects; the rules (who, when, stale lists) live in the services.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from contactcare.forms import (
    BIGINT_MAX,
    IdField,
    SubmissionKeyField,
    add_service_error,
    with_submission_key,
    without_length_cut,
)
from contactcare.services import AlreadySubmitted

from . import retention
from .models import RetentionCandidate, RetentionReview

ERASE = retention.ERASE_PERMISSION


class RetentionExcludeForm(forms.Form):
    """Shape only: the reason (its rules, length and no personal data, are the service's)."""

    reason = forms.CharField(
        label=gettext_lazy("Why does this customer stay?"),
        required=False,
        help_text=gettext_lazy("E.g. legal hold, still a customer. No personal data: the reason is kept."),
        widget=forms.TextInput(attrs={"list": "retention-reasons", "autocomplete": "off"}),
    )


class RetentionConfirmForm(forms.Form):
    """The version of the list the manager saw, and the submit-once key."""

    version = forms.IntegerField(min_value=1, max_value=BIGINT_MAX, widget=forms.HiddenInput)
    submission_key = SubmissionKeyField()


class RetentionPageForm(forms.Form):
    """Which page of the list: the candidate it continues after (a "Next page" link carries it)."""

    after = IdField()


def _after(request) -> int | None:
    """The page the manager is on; an unreadable cursor is the first page (it only decides where to start)."""
    form = RetentionPageForm(request.GET)
    return form.cleaned_data["after"] if form.is_valid() else None


def _back_to(review: RetentionReview, after: int | None) -> str:
    url = reverse("followups:retention-review", args=[review.pk])
    return f"{url}?after={after}" if after else url


@permission_required(ERASE, raise_exception=True)
def retention_index(request):
    context = {
        "years": retention.retention_years(),
        "reviews": retention.retention_reviews(),
    }
    return render(request, "followups/retention.html", context)


@permission_required(ERASE, raise_exception=True)
def retention_review(request, pk):
    review = get_object_or_404(RetentionReview.objects.select_related("confirmed_by", "dismissed_by"), pk=pk)
    after = _after(request)
    page = retention.retention_candidates_page(review=review, after=after)
    confirm_form = with_submission_key(RetentionConfirmForm(initial={"version": review.version}))
    context = {
        "review": review,
        "counts": retention.retention_review_counts(review=review),
        "page": page,
        "after": after or "",
        "confirm_form": confirm_form,
        "years": retention.retention_years(),
    }
    return render(request, "followups/retention_review.html", context)


@require_POST
@permission_required(ERASE, raise_exception=True)
def retention_confirm(request, pk):
    review = get_object_or_404(RetentionReview, pk=pk)
    form = RetentionConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This confirmation cannot be read. Check the list again, then confirm."))
        return redirect(review)
    try:
        retention.retention_review_confirm(
            review=review,
            actor=request.user,
            version=form.cleaned_data["version"],
            submission_key=form.cleaned_data["submission_key"],
        )
    except AlreadySubmitted:
        messages.info(request, _("This was already saved; nothing was saved twice."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("List confirmed. The customers on it are erased in the background; the progress shows here.")
        )
    return redirect(review)


@require_POST
@permission_required(ERASE, raise_exception=True)
def retention_dismiss(request, pk):
    review = get_object_or_404(RetentionReview, pk=pk)
    try:
        retention.retention_review_dismiss(review=review, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("List set aside: nobody on it is erased. Next month's list asks again."))
    return redirect(review)


@permission_required(ERASE, raise_exception=True)
def retention_exclude(request, pk):
    candidate = get_object_or_404(RetentionCandidate.objects.select_related("review", "customer"), pk=pk)
    back = _back_to(candidate.review, _after(request))
    if candidate.review.status != RetentionReview.Status.PROPOSED:
        messages.info(
            request, _("This list is no longer waiting for confirmation: it was confirmed or set aside meanwhile.")
        )
        return redirect(back)
    form = without_length_cut(RetentionExcludeForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            retention.retention_candidate_exclude(
                candidate=candidate, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The customer stays: excluded from this list."))
            return redirect(back)
    context = {"candidate": candidate, "customer": candidate.customer, "form": form, "back": back}
    return render(request, "followups/retention_exclude.html", context)


@require_POST
@permission_required(ERASE, raise_exception=True)
def retention_include(request, pk):
    candidate = get_object_or_404(RetentionCandidate.objects.select_related("review"), pk=pk)
    try:
        retention.retention_candidate_include(candidate=candidate, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The customer is on the list again."))
    return redirect(_back_to(candidate.review, _after(request)))

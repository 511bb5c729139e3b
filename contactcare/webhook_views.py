"""The managers' webhooks page (issue 12): register endpoints, see the secret once, and follow the deliveries.

Thin: each view parses, calls one service of contactcare.webhooks, and
renders or redirects; the rules (URL, SSRF guard, events, lengths) live there.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import webhooks
from .forms import SubmissionKeyField, add_service_error, with_submission_key, without_length_cut
from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent

MANAGE = "contactcare.manage_webhooks"
ONCE_SESSION_KEY = "webhook_secret_once"


class EndpointForm(forms.Form):
    """Shape only: the URL's rules (scheme, length, the SSRF guard) and the events' are the service's."""

    url = forms.CharField(
        label=gettext_lazy("URL"),
        help_text=gettext_lazy("Where the events are POSTed, e.g. https://crm.example.com/hooks/contactcare"),
        widget=forms.URLInput(attrs={"autocomplete": "off"}),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    description = forms.CharField(label=gettext_lazy("Description"), required=False)


class TestForm(forms.Form):
    submission_key = SubmissionKeyField()


def _secret_shown_once(request, endpoint: WebhookEndpoint, secret: str) -> None:
    """The secret goes to the next page view of this endpoint only (the session forgets it there)."""
    request.session[ONCE_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}


@permission_required(MANAGE, raise_exception=True)
def webhook_list(request):
    return render(request, "contactcare/webhooks/list.html", {"endpoints": webhooks.endpoints_with_counts()})


@permission_required(MANAGE, raise_exception=True)
def webhook_create(request):
    form = without_length_cut(EndpointForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhooks.endpoint_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            _secret_shown_once(request, endpoint, secret)
            messages.success(request, _("Endpoint registered."))
            return redirect("webhooks:detail", endpoint.pk)
    return render(request, "contactcare/webhooks/form.html", {"form": form, "endpoint": None})


@permission_required(MANAGE, raise_exception=True)
def webhook_edit(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    initial = {"url": endpoint.url, "events": endpoint.events, "description": endpoint.description}
    form = without_length_cut(EndpointForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            webhooks.endpoint_update(endpoint=endpoint, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:detail", endpoint.pk)
    return render(request, "contactcare/webhooks/form.html", {"form": form, "endpoint": endpoint})


@never_cache  # it may show the secret
@permission_required(MANAGE, raise_exception=True)
def webhook_detail(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    once = request.session.get(ONCE_SESSION_KEY)
    secret = None
    if once and once.get("endpoint") == endpoint.pk:
        secret = once["secret"]
        del request.session[ONCE_SESSION_KEY]
    context = {
        "endpoint": endpoint,
        "secret": secret,
        "deliveries": webhooks.recent_deliveries(endpoint),
        "test_form": with_submission_key(TestForm()),
        "event_labels": {**dict(WebhookEvent.choices), webhooks.TEST_EVENT: _("Test event")},
    }
    return render(request, "contactcare/webhooks/detail.html", context)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def webhook_rotate(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    secret = webhooks.endpoint_secret_rotate(endpoint=endpoint, actor=request.user)
    _secret_shown_once(request, endpoint, secret)
    messages.success(request, _("A new secret is in use from now on. Give it to the receiver."))
    return redirect("webhooks:detail", endpoint.pk)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def webhook_pause(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhooks.endpoint_set_active(endpoint=endpoint, actor=request.user, active=False)
    messages.success(request, _("Paused: no new events are recorded for it; waiting deliveries wait."))
    return redirect("webhooks:detail", endpoint.pk)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def webhook_resume(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    webhooks.endpoint_set_active(endpoint=endpoint, actor=request.user, active=True)
    messages.success(request, _("Resumed: waiting deliveries are sent now."))
    return redirect("webhooks:detail", endpoint.pk)


@permission_required(MANAGE, raise_exception=True)
def webhook_delete(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if request.method == "POST":
        webhooks.endpoint_delete(endpoint=endpoint, actor=request.user)
        messages.success(request, _("Endpoint deleted, with its deliveries."))
        return redirect("webhooks:list")
    return render(request, "contactcare/webhooks/delete.html", {"endpoint": endpoint})


@require_POST
@permission_required(MANAGE, raise_exception=True)
def webhook_test(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    form = TestForm(request.POST)
    key = form.cleaned_data["submission_key"] if form.is_valid() else None
    if key is None:
        messages.error(request, _("The page was out of date; try again."))
        return redirect("webhooks:detail", endpoint.pk)
    try:
        webhooks.endpoint_test(endpoint=endpoint, actor=request.user, key=key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A test event is on its way."))
    return redirect("webhooks:detail", endpoint.pk)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def delivery_retry(request, pk):
    delivery = get_object_or_404(WebhookDelivery, pk=pk)
    try:
        webhooks.delivery_retry(delivery=delivery, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delivery will be tried again now."))
    return redirect("webhooks:detail", delivery.endpoint_id)

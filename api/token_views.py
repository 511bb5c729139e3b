"""The API tokens page: a user creates (named), sees and revokes their own tokens. A new token is shown once."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from contactcare.forms import add_service_error, without_length_cut

from . import services
from .models import ApiToken

SHOWN_ONCE = "api_token_shown_once"


class TokenForm(forms.Form):
    """Shape only: `token_create` checks the name (required, its length)."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        required=False,
        help_text=gettext_lazy("What uses it, e.g. “web shop” or “CRM sync”."),
    )
    expires_in = forms.TypedChoiceField(
        label=gettext_lazy("Expires"),
        choices=[
            ("", gettext_lazy("never")),
            (30, gettext_lazy("in 30 days")),
            (90, gettext_lazy("in 90 days")),
            (365, gettext_lazy("in a year")),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )


@never_cache  # the page can hold a new token: no cache keeps it
def token_list(request):
    form = without_length_cut(TokenForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in"]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            _token, raw = services.token_create(
                user=request.user, actor=request.user, name=form.cleaned_data["name"], expires_at=expires_at
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            request.session[SHOWN_ONCE] = raw  # shown on the next page view, then gone (Post/Redirect/Get)
            return redirect("api:token-list")
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "new_token": request.session.pop(SHOWN_ONCE, None),
    }
    return render(request, "api/token_list.html", context)


@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # another person's token: 404
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("api:token-list")

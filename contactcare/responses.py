"""Answers every app's views share: back to a safe `next`, and "already saved" after a repeated submit."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def safe_next(request, default: str) -> str:
    """The `next` the request carries when it is a path on this site, else `default`.

    Only absolute paths count (`/my-day/`): a bare word would otherwise be
    taken for a URL name or a relative path, another host for an open redirect.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return target
    return default


def redirect_next(request, default: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, default))


def already_saved(request, target, *, default: str) -> HttpResponseRedirect:
    """A form that was submitted before (double click, Back + save): land on what the first one saved."""
    messages.info(request, _("This was already saved; nothing was saved twice."))
    url = target.get_absolute_url() if target is not None and hasattr(target, "get_absolute_url") else default
    return HttpResponseRedirect(url)

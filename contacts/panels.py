"""Extra panels on the customer page, filled by apps that build on contacts.

`contacts` knows nothing of the apps above it (followups, reports): they
register a panel here when they start (their AppConfig.ready), and the
customer page renders whatever is registered, in the same response as the
page. No second request, and no import from contacts upwards.

A panel says which permissions it needs (checked on the server, for the user
of this request, before its selector runs), how to read its context, and
which template renders it. A panel may also name a URL that renders the same
panel alone, so that htmx can refresh it after an action on the page.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from .models import Customer


@dataclass(frozen=True)
class CustomerPanel:
    name: str  # unique; also the panel's element id on the page
    template: str
    context: Callable[..., dict]  # called as context(request=…, customer=…): the panel's selectors run here
    permissions: tuple[str, ...] = ()  # all are needed to see the panel
    refresh_url_name: str = ""  # a URL taking the customer's pk that renders the panel alone (htmx refresh)
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    name: str
    html: SafeString
    refresh_url: str = ""


_registry: dict[str, CustomerPanel] = {}


def register(panel: CustomerPanel) -> None:
    """Add a panel to the customer page (call it from AppConfig.ready). Registering a name again replaces it."""
    _registry[panel.name] = panel


def registered() -> list[CustomerPanel]:
    return sorted(_registry.values(), key=lambda panel: (panel.order, panel.name))


@contextmanager
def isolated() -> Iterator[None]:
    """For tests: register panels inside the block; the registry is restored afterwards."""
    saved = dict(_registry)
    try:
        yield
    finally:
        _registry.clear()
        _registry.update(saved)


def customer_panels(*, request: HttpRequest, customer: Customer) -> list[RenderedPanel]:
    """The panels this user may see, rendered for this customer (each panel's own fixed number of queries)."""
    rendered = []
    for panel in registered():
        if not request.user.has_perms(panel.permissions):
            continue
        context = panel.context(request=request, customer=customer)
        refresh_url = reverse(panel.refresh_url_name, args=[customer.pk]) if panel.refresh_url_name else ""
        rendered.append(
            RenderedPanel(
                name=panel.name,
                html=render_to_string(panel.template, context, request=request),
                refresh_url=refresh_url,
            )
        )
    return rendered

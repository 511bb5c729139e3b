"""The SSRF guard: only http(s) to public addresses, checked at registration and again at every delivery."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from contactcare import webhooks
from contactcare.models import WebhookDelivery, WebhookEndpoint
from followups import services

from ..factories import CustomerFactory
from .conftest import register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _guarded(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False


def _refused(manager, url) -> str:
    with translation.override("en"), pytest.raises(ValidationError) as error:
        register(manager, url)
    assert not WebhookEndpoint.objects.exists()
    return " ".join(error.value.message_dict["url"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.1.2.3:8000/hook",
        "https://10.0.0.5/hook",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://2130706433/",  # 127.0.0.1 as one number
        "http://0x7f000001/",
        "http://localhost:8000/hook",
    ],
)
def test_addresses_inside_the_network_are_refused(manager, url):
    assert "internal network" in _refused(manager, url)


def test_a_hostname_that_resolves_to_loopback_is_refused(manager, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "hooks.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    assert "internal network" in _refused(manager, "https://hooks.example.com/contactcare")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.216.34/x", "https://"),
        ("file:///etc/passwd", "https://"),
        ("gopher://93.184.216.34/", "https://"),
        ("javascript:alert(1)", "https://"),
        ("https://user:pw@93.184.216.34/", "user name and password"),
        ("https://93.184.216.34:99999/", "cannot be read"),
        ("https://[::1/", "cannot be read"),
        ("https://[not-an-address]/", "cannot be read"),
        ("https://\uff11\uff12\uff17.0.0.1/", "internal network"),  # fullwidth digits: NFKC makes them 127
        ("https://93.184.216.34:\u0661\u0662/", "cannot be read"),  # Arabic-Indic digits as the port
        ("https://93.184.216.34/\u0661\u0662", "ASCII"),
        ("https://93.184.216.34/a\x00b", "control characters"),
        ("https://93.184.216.34/a b", "spaces"),
        ("https://93.184.216.34/" + "a" * 5000, "at most 500 characters; this one has 5022"),
        ("https://no-such-host.invalid/", "cannot be found"),
    ],
)
def test_malformed_urls_are_refused_with_a_clear_message(manager, url, message):
    assert message in _refused(manager, url)


def test_a_public_address_is_accepted_and_normalised(manager):
    endpoint, secret = register(manager, "HTTPS://93.184.216.34:8443")
    assert endpoint.url == "https://93.184.216.34:8443/"
    assert secret.startswith("whsec_") and len(secret) > 40


def test_the_guard_is_checked_again_at_delivery(manager, settings, monkeypatch):
    endpoint, _ = register(manager, "https://93.184.216.34/hook")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/hook")  # e.g. DNS changed since
    services.contact_log(
        customer=CustomerFactory(), actor=manager, occurred_at=timezone.now(), channel="email", summary="x"
    )
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a))

    assert webhooks.dispatch(now=timezone.now()) == 0

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_error == "Blocked: private address"
    assert connects == []  # no connection was even tried


def test_the_delivery_connects_to_the_address_it_checked(manager, monkeypatch):
    """DNS rebinding: the name is resolved once, checked, and that address is the one connected to."""
    answers = iter(["93.184.216.34", "127.0.0.1"])
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "rebind.example.com":
            return real(next(answers), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    target = webhooks.resolve("http://rebind.example.com/hook")
    assert target.address == "93.184.216.34"
    with pytest.raises(webhooks.Blocked):
        webhooks.resolve("http://rebind.example.com/hook")  # the second answer is refused

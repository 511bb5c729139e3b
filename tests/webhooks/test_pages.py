"""The managers' webhooks page: who may open it, the secret shown once, the buttons, hostile input, the Status page."""

import pytest
from django.urls import reverse

from contactcare import roles, webhooks
from contactcare.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from contacts.models import ContactMoment
from followups import webhook_events

from ..factories import ContactMomentFactory, UserFactory
from .conftest import register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]
EN = {"Accept-Language": "en"}
URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _post(client, name, *args, data=None):
    return client.post(reverse(name, args=args), data or {}, headers=EN)


@pytest.mark.parametrize("role", [roles.STAFF, roles.TEAM_LEAD])
def test_staff_and_team_leads_get_403_everywhere_and_change_nothing(client, manager, role):
    endpoint, secret = register(manager, URL)
    client.force_login(UserFactory(username="sam", role=role))
    pages = [("webhooks:list", ()), ("webhooks:create", ()), ("webhooks:detail", (endpoint.pk,))]
    actions = ["rotate", "pause", "delete", "test", "edit"]

    for name, args in pages:
        assert client.get(reverse(name, args=args), headers=EN).status_code == 403
    for action in actions:
        assert _post(client, f"webhooks:{action}", endpoint.pk, data={"url": "http://127.0.0.1:1/"}).status_code == 403
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.is_active, endpoint.url) == (secret, True, URL)


def test_anonymous_goes_to_the_login_page(client):
    response = client.get(reverse("webhooks:list"))
    assert response.status_code == 302 and reverse("login") in response.url


def test_an_unknown_endpoint_is_404(manager_client):
    assert manager_client.get(reverse("webhooks:detail", args=[999999]), headers=EN).status_code == 404
    assert manager_client.get("/webhooks/99999999999999999999/", headers=EN).status_code == 404  # beyond 64 bits


def test_registering_shows_the_secret_once(manager_client):
    response = _post(
        manager_client,
        "webhooks:create",
        data={"url": URL, "events": ["contact.logged", "promise.broken"], "description": "CRM"},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response.url == reverse("webhooks:detail", args=[endpoint.pk])
    assert endpoint.events == ["contact.logged", "promise.broken"] and endpoint.description == "CRM"

    first = manager_client.get(response.url, headers=EN).content.decode()
    again = manager_client.get(response.url, headers=EN).content.decode()
    assert endpoint.secret in first
    assert endpoint.secret not in again
    assert endpoint.history.first().history_user_id == endpoint.created_by_id


def test_rotating_the_secret_shows_the_new_one_once(manager_client, manager):
    endpoint, old = register(manager, URL)
    response = _post(manager_client, "webhooks:rotate", endpoint.pk)
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret_rotated_at is not None
    assert endpoint.secret in manager_client.get(response.url, headers=EN).content.decode()
    assert endpoint.secret not in manager_client.get(response.url, headers=EN).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "http://127.0.0.1/" + "a" * 5000, "events": ["contact.logged"]}, "url", "at most 500 characters"),
        ({"url": "http://127.0.0.1/a\x00", "events": ["contact.logged"]}, None, None),  # NUL: the middleware's 400
        ({"url": "http://127.0.0.1:\u0661\u0662/", "events": ["contact.logged"]}, "url", "cannot be read"),
        ({"url": "ftp://127.0.0.1/", "events": ["contact.logged"]}, "url", "https://"),
        ({"url": URL, "events": []}, "events", "at least one event"),
        ({"url": URL, "events": ["customer.deleted"]}, "events", "valid choice"),
        ({"url": URL, "events": ["contact.logged"], "description": "d" * 5000}, "description", "at most 200"),
        ({"url": "", "events": ["contact.logged"]}, "url", "required"),
    ],
)
def test_hostile_registration_input_is_a_form_error_and_nothing_is_stored(manager_client, data, field, message):
    response = _post(manager_client, "webhooks:create", data=data)

    assert not WebhookEndpoint.objects.exists()
    if field is None:
        assert response.status_code == 400
        return
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])


def test_pause_resume_and_delete(manager_client, manager):
    endpoint, _ = register(manager, URL)
    _post(manager_client, "webhooks:pause", endpoint.pk)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "Resume" in manager_client.get(reverse("webhooks:detail", args=[endpoint.pk]), headers=EN).content.decode()
    _post(manager_client, "webhooks:resume", endpoint.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active

    assert manager_client.get(reverse("webhooks:delete", args=[endpoint.pk]), headers=EN).status_code == 200
    assert WebhookEndpoint.objects.exists()  # asking is not deleting
    response = _post(manager_client, "webhooks:delete", endpoint.pk)
    assert response.status_code == 302 and not WebhookEndpoint.objects.exists()


def test_the_test_button_writes_one_test_delivery_however_often_the_form_is_sent(manager_client, manager):
    endpoint, _ = register(manager, URL, events=[WebhookEvent.PROMISE_KEPT])
    page = manager_client.get(reverse("webhooks:detail", args=[endpoint.pk]), headers=EN)
    key = page.context["test_form"].initial["submission_key"]

    for _ in range(3):  # a double click, and the Back button
        _post(manager_client, "webhooks:test", endpoint.pk, data={"submission_key": key})

    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "webhook.test"
    assert delivery.payload == {"endpoint_id": endpoint.pk, "sent_by_id": manager.pk}
    broken = _post(manager_client, "webhooks:test", endpoint.pk, data={"submission_key": "not-a-uuid"})
    assert broken.status_code == 302 and WebhookDelivery.objects.count() == 1


def test_retry_now_is_offered_for_failed_deliveries_only(manager_client, manager):
    endpoint, _ = register(manager, URL)
    webhooks.endpoint_test(endpoint=endpoint, actor=manager, key="00000000-0000-4000-8000-000000000001")
    delivery = WebhookDelivery.objects.get()
    refused = _post(manager_client, "webhooks:delivery-retry", delivery.pk)
    assert refused.status_code == 302
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="dead", attempts=8, last_error="HTTP 500")

    html = manager_client.get(reverse("webhooks:detail", args=[endpoint.pk]), headers=EN).content.decode()
    assert "Retry now" in html and "HTTP 500" in html
    _post(manager_client, "webhooks:delivery-retry", delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


def test_the_pages_read_a_constant_number_of_queries(manager_client, manager, django_assert_max_num_queries):
    endpoint, _ = register(manager, URL)
    for n in range(3):
        register(manager, f"{URL}/{n}")
    for _ in range(60):
        ContactMomentFactory.create()  # factories do not emit; write deliveries directly
    for moment in ContactMoment.objects.all():
        webhook_events.contact_logged(moment)
    manager_client.get(reverse("webhooks:list"), headers=EN)  # warm up
    with django_assert_max_num_queries(8):
        listing = manager_client.get(reverse("webhooks:list"), headers=EN)
    with django_assert_max_num_queries(8):
        detail = manager_client.get(reverse("webhooks:detail", args=[endpoint.pk]), headers=EN)
    assert listing.content.decode().count("webhooks/") >= 4
    assert detail.content.decode().count('<tr class="delivery-pending">') == 50


def test_the_status_page_counts_deliveries_and_shows_the_sweeps_heartbeat(manager_client, manager):
    endpoint, _ = register(manager, URL)
    webhooks.endpoint_test(endpoint=endpoint, actor=manager, key="00000000-0000-4000-8000-000000000002")
    webhooks.endpoint_test(endpoint=endpoint, actor=manager, key="00000000-0000-4000-8000-000000000003")
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.first().pk).update(status="dead")
    webhooks.dispatch_sweep()  # nothing reachable at URL: one failed, and the sweep ran

    html = manager_client.get(reverse("followups:status"), headers=EN).content.decode()
    section = html.split('class="webhook-status')[1]
    assert "1 delivery failed and will be retried." in section
    assert "1 delivery was given up." in section
    assert "Last delivery run:" in section and "Last delivery run: —" not in " ".join(section.split())
    assert reverse("webhooks:list") in section

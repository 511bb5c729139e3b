"""contacts.rows: a customer found by search and a customer list row, written in Python since issue 11."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from contacts.rows import search_hit
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_hit_escapes_the_customer_and_speaks_the_language(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    customer = CustomerFactory(full_name='Jan "de" <b>Vries</b>', email="jan&co@example.com", phone="+31612345678")
    customer.last_contact_at = datetime(2001, 6, 1, 8, 0, tzinfo=UTC)
    with translation.override("nl"):
        dutch = search_hit(customer)
    with translation.override("en"):
        english = search_hit(customer)

    assert "<b>" not in english and "Jan &quot;de&quot; &lt;b&gt;Vries&lt;/b&gt;" in english
    assert "jan&amp;co@example.com" in english and ">06 12345678<" in english
    assert f'href="/customers/{customer.pk}/"' in english and f'href="/customers/{customer.pk}/log/"' in english
    assert "Last contact: Fri 1 Jun 2001" in english and ">Log contact</a>" in english
    assert "vr 1 jun 2001" in dutch and "Last contact" not in dutch


def test_a_hit_without_phone_e_mail_or_contacts_says_so():
    customer = CustomerFactory(phone="", email="")
    customer.last_contact_at = None
    with translation.override("en"):
        hit = search_hit(customer)
    assert "search-hit-phone" not in hit and "search-hit-email" not in hit
    assert "No contacts yet" in hit


def test_a_customer_list_row_escapes_and_shows_what_is_open():
    from contacts.rows import customer_row

    customer = CustomerFactory(full_name="<i>Piet</i>", phone="")
    customer.last_contact_at = None
    customer.has_open_promises = True
    customer.has_overdue_checkins = True
    with translation.override("en"):
        row = customer_row(customer)
    assert "&lt;i&gt;Piet&lt;/i&gt;" in row and "<i>" not in row
    assert "No contacts yet" in row
    assert ">open promises</span>" in row and ">overdue check-ins</span>" in row
    customer.has_open_promises = customer.has_overdue_checkins = False
    with translation.override("en"):
        assert "badge" not in customer_row(customer)

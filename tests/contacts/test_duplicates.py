"""Issue 10: a new customer who may exist already is shown before saving, with Open this one and Create anyway."""

import uuid

import pytest
from django.db import connection
from django.urls import reverse

from contacts.models import Customer
from contacts.selectors import customer_possible_duplicates
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
URL = reverse("contacts:customer-create")


def _form(**fields) -> dict:
    return {
        "full_name": "Nieuwe Klant",
        "phone": "",
        "email": "",
        "language": "nl",
        "customer_number": "",
        "preferred_address": "",
        "submission_key": str(uuid.uuid4()),
        **fields,
    }


# --- Detection ---------------------------------------------------------------------------


def test_the_same_phone_in_another_spelling_is_a_possible_duplicate():
    existing = CustomerFactory(full_name="Anna Bakker", phone="+31612345678")

    found = customer_possible_duplicates(full_name="Someone Else", phone="06-12 34 56 78")

    assert [(d.customer, d.same_phone, d.same_email, d.similar_name) for d in found] == [(existing, True, False, False)]


def test_the_same_email_whatever_its_case_is_a_possible_duplicate():
    existing = CustomerFactory(full_name="Anna Bakker", email="anna@example.nl")

    found = customer_possible_duplicates(full_name="Other Name", email="Anna@Example.NL")

    assert [(d.customer, d.same_email) for d in found] == [(existing, True)]


def test_the_same_name_without_accents_or_case_is_a_possible_duplicate():
    existing = CustomerFactory(full_name="José García")

    found = customer_possible_duplicates(full_name="jose garcia")

    assert [(d.customer, d.similar_name) for d in found] == [(existing, True)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL's")
def test_a_name_with_a_typo_is_a_possible_duplicate_on_postgresql():
    existing = CustomerFactory(full_name="Willemijn de Vries")
    CustomerFactory(full_name="Willem Bakker")

    found = customer_possible_duplicates(full_name="Willemijn de Vris")

    assert [d.customer for d in found] == [existing]


def test_other_customers_are_no_duplicates():
    CustomerFactory(full_name="Piet Jansen", phone="+31611111111", email="piet@example.nl")

    assert customer_possible_duplicates(full_name="Karin Smit", phone="0622222222", email="karin@example.nl") == []


def test_exact_matches_come_before_similar_names():
    same_name = CustomerFactory(full_name="Anna Bakker")
    same_phone = CustomerFactory(full_name="Zoë Zwart", phone="+31612345678")

    found = customer_possible_duplicates(full_name="Anna Bakker", phone="0612345678")

    assert [d.customer for d in found] == [same_phone, same_name]


# --- The new-customer form -------------------------------------------------------------------


def test_saving_a_possible_duplicate_shows_it_instead_of_saving(staff_client):
    existing = CustomerFactory(full_name="Anna Bakker", phone="+31612345678")
    data = _form(full_name="Anna Bakker-de Wit", phone="06 1234 5678")

    response = staff_client.post(URL, data, headers=EN)

    assert response.status_code == 200
    assert Customer.objects.count() == 1
    assert "This customer may exist already" in response.text
    assert f'href="{existing.get_absolute_url()}">Open this one</a>' in response.text
    assert 'name="create_anyway" value="1"' in response.text
    assert f'value="{data["submission_key"]}"' in response.text  # the one-time key stays for the second submit


def test_create_anyway_saves_the_new_customer(staff_client):
    CustomerFactory(full_name="Anna Bakker", phone="+31612345678")

    response = staff_client.post(URL, _form(full_name="Anna Bakker", phone="0612345678", create_anyway="1"))

    created = Customer.objects.exclude(customer_number__startswith="T").get()
    assert response.status_code == 302
    assert response.url == created.get_absolute_url()
    assert created.phone == "+31612345678"


def test_a_new_customer_without_duplicates_is_saved_at_once(staff_client):
    CustomerFactory(full_name="Piet Jansen")

    response = staff_client.post(URL, _form(full_name="Karin Smit"))

    assert response.status_code == 302
    assert Customer.objects.filter(full_name="Karin Smit").exists()


def test_a_repeat_of_a_saved_form_lands_on_what_it_created_not_on_the_question(staff_client):
    CustomerFactory(full_name="Anna Bakker", phone="+31612345678")
    data = _form(full_name="Anna Bakker", phone="0612345678")
    staff_client.post(URL, {**data, "create_anyway": "1"})
    created = Customer.objects.exclude(customer_number__startswith="T").get()

    repeat = staff_client.post(URL, data, headers=EN)  # the Back button and Save again

    assert repeat.status_code == 302
    assert repeat.url == created.get_absolute_url()
    assert Customer.objects.count() == 2

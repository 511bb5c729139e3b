import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from contacts.selectors import customer_search

from ..factories import ContactMomentFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["06 12345678", "+31 6 1234 5678", "0031612345678", "06-123 456 78", "+31612345678"])
def test_phone_search_finds_the_customer_from_every_common_spelling(typed):
    # given a customer whose number was stored normalised
    wanted = CustomerFactory(full_name="Fatima el Amrani", phone="+31612345678")
    CustomerFactory(full_name="Other Person", phone="+31687654321")

    # when the desk types the number however the customer says it
    results = customer_search(query=typed)

    # then that customer, and only that one, is found
    assert results == [wanted]


def test_name_fragment_ranks_exact_prefix_matches_first():
    inside = CustomerFactory(full_name="Marjan Bos")
    word_start = CustomerFactory(full_name="Piet Jansen")
    prefix = CustomerFactory(full_name="Jan de Vries")
    CustomerFactory(full_name="Kees Vos")

    results = customer_search(query="jan")

    assert results == [prefix, word_start, inside]


def test_name_search_ignores_case_accents_and_punctuation():
    customer = CustomerFactory(full_name="Ayşe Öztürk-Yılmaz")

    assert customer_search(query="ozturk") == [customer]
    assert customer_search(query="OZTÜRK yil") == [customer]


def test_email_and_customer_number_match_exactly():
    by_email = CustomerFactory(email="fleur@example.com", customer_number="K1000042")

    assert customer_search(query="Fleur@Example.com") == [by_email]
    assert customer_search(query="k1000042") == [by_email]


def test_one_character_is_not_searched():
    CustomerFactory(full_name="Anna Jansen")

    assert customer_search(query="a") == []


def test_search_results_show_name_number_and_last_contact(staff_client):
    customer = CustomerFactory(full_name="Noor Hendriks", customer_number="K1234567")
    moment = ContactMomentFactory(customer=customer)

    response = staff_client.get(reverse("contacts:customer-search"), {"q": "hend"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "Noor Hendriks" in html
    assert "K1234567" in html
    with translation.override("nl"):
        last_contact = date_format(timezone.localtime(moment.occurred_at), "SHORT_DATE_FORMAT")
    assert last_contact in html
    assert reverse("followups:contact-log", args=[customer.pk]) in html


def test_enter_in_the_top_bar_opens_the_best_hit(staff_client):
    best = CustomerFactory(full_name="Iris Mulder")
    CustomerFactory(full_name="Karin Irisdottir")

    response = staff_client.get(reverse("contacts:customer-search"), {"q": "iris", "go": "1"})

    assert response.status_code == 302
    assert response.url == best.get_absolute_url()


def test_search_without_hits_offers_to_create_the_customer(staff_client):
    response = staff_client.get(reverse("contacts:customer-search"), {"q": "Nobody Here", "go": "1"})

    assert response.status_code == 200
    assert reverse("contacts:customer-create") in response.content.decode()


def _ten_customers_named_smit(contacts_each, start):
    for i in range(start, start + 10):
        customer = CustomerFactory(full_name=f"Lisa Smit {i}")
        ContactMomentFactory.create_batch(contacts_each, customer=customer)


def test_search_runs_a_constant_number_of_queries(staff_client, django_assert_max_num_queries):
    url = reverse("contacts:customer-search")
    _ten_customers_named_smit(contacts_each=3, start=0)
    with django_assert_max_num_queries(8) as few:
        few_page = staff_client.get(url, {"q": "smit"}, headers={"HX-Request": "true"})
    _ten_customers_named_smit(contacts_each=30, start=10)
    with django_assert_max_num_queries(8) as many:
        many_page = staff_client.get(url, {"q": "smit"}, headers={"HX-Request": "true"})

    assert few_page.content.decode().count("Lisa Smit") == 10
    assert many_page.content.decode().count("Lisa Smit") == 10
    assert len(few) == len(many)

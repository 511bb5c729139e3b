import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from contactcare.formats import day
from contacts import selectors
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
        last_contact = day(moment.occurred_at)  # the one date filter every page uses
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


def test_search_runs_a_constant_number_of_queries(staff_client, django_assert_max_num_queries):
    # the stages stop as soon as the dropdown is full: eleven Smits or two hundred, the same queries
    url = reverse("contacts:customer-search")
    for i in range(11):
        ContactMomentFactory.create_batch(2, customer=CustomerFactory(full_name=f"Lisa Smit {i:03d}"))
    with django_assert_max_num_queries(8) as few:
        few_page = staff_client.get(url, {"q": "smit"}, headers={"HX-Request": "true"})
    [CustomerFactory(full_name=f"Lisa Smit {i:03d}") for i in range(11, 200)]
    with django_assert_max_num_queries(8) as many:
        many_page = staff_client.get(url, {"q": "smit"}, headers={"HX-Request": "true"})

    assert few_page.content.decode().count("Lisa Smit") == 10
    assert many_page.content.decode().count("Lisa Smit") == 10
    assert len(few) == len(many)


# --- Issue 9, item 10: surname first, typos, last digits, no letters, telling hits apart, more hits --------------

EN = {"Accept-Language": "en"}
HTMX_EN = {"HX-Request": "true", **EN}
trigram_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="typo search uses pg_trgm word similarity: PostgreSQL only (SQLite keeps exact fragments)",
)


def test_surname_first_finds_what_first_name_first_finds():
    # given two customers called Willem and one Jansen who is not Willem
    willem = CustomerFactory(full_name="Willem Jansen")
    CustomerFactory(full_name="Willem Bakker")
    CustomerFactory(full_name="Els Jansen")

    # when the desk types the surname first, or fragments in any order
    # then each finds the customer whose name holds every word typed
    assert customer_search(query="willem jansen") == [willem]
    assert customer_search(query="Jansen Willem") == [willem]
    assert customer_search(query="jans wil") == [willem]


@trigram_only
@pytest.mark.parametrize(
    "typed,wanted", [("Schoutn", "Peter Schouten"), ("Janssn", "Willem Janssen"), ("willem janssn", "Willem Janssen")]
)
def test_a_typo_still_finds_the_customer(typed, wanted):
    customer = CustomerFactory(full_name=wanted)
    CustomerFactory(full_name="Karin Bakker")

    assert customer_search(query=typed) == [customer]


@trigram_only
def test_a_similar_name_ranks_below_the_real_matches():
    # given a customer whose name is only similar, sorting first by name
    similar = CustomerFactory(full_name="Anna Janssen")
    real = CustomerFactory(full_name="Zoë Jansen")

    # when the real name is typed, the real match comes first
    assert customer_search(query="jansen") == [real, similar]


def test_the_last_digits_of_a_phone_number_find_the_customer():
    wanted = CustomerFactory(full_name="Dewi Kartosen", phone="+31633134406")
    CustomerFactory(full_name="Other Person", phone="+31633134407")

    assert customer_search(query="3313 4406") == [wanted]
    assert customer_search(query="33-13-44-06") == [wanted]
    assert customer_search(query="4406") == []  # fewer than six digits: too many numbers end like that


def test_an_exact_phone_number_ranks_before_numbers_that_end_with_the_same_digits():
    # given a German number that ends with the digits of a Dutch one, on a name that sorts first
    ends_alike = CustomerFactory(full_name="Aaron Abel", phone="+491612345678")
    exact = CustomerFactory(full_name="Zoë Zwart", phone="+31612345678")

    assert customer_search(query="06 12345678") == [exact, ends_alike]


@pytest.mark.parametrize("typed", ["🙂", "🙂🙂", "?!", "—"])
def test_text_without_letters_or_digits_says_what_can_be_searched(staff_client, typed):
    CustomerFactory(full_name="Anna Jansen")

    response = staff_client.get(reverse("contacts:customer-search"), {"q": typed}, headers=HTMX_EN)

    html = response.content.decode()
    assert "There is nothing to search for in this" in html
    assert "a phone number (the last 6 digits are enough)" in html
    assert "No customer found" not in html


def test_two_customers_with_the_same_name_can_be_told_apart(staff_client):
    first = CustomerFactory(full_name="Jan Smit", phone="+31612345678", email="jan.smit@example.com")
    second = CustomerFactory(full_name="Jan Smit", phone="+31201234567", email="j.smit@example.org")
    ContactMomentFactory(customer=second)

    response = staff_client.get(reverse("contacts:customer-search"), {"q": "jan smit"}, headers=HTMX_EN)

    html = response.content.decode()
    hits = html.split("data-hit")[1:]
    assert len(hits) == 2
    first_hit = next(hit for hit in hits if first.customer_number in hit)
    second_hit = next(hit for hit in hits if second.customer_number in hit)
    assert "06 12345678" in first_hit  # the phone as people read it, not +31612345678
    assert "jan.smit@example.com" in first_hit
    assert "No contacts yet" in first_hit
    assert "020 123 4567" in second_hit
    assert "j.smit@example.org" in second_hit
    assert "Last contact" in second_hit


def _smits(count):
    return [CustomerFactory(full_name=f"Lisa Smit {i:02d}") for i in range(count)]


def test_after_ten_hits_a_more_hits_link_opens_the_search_page(staff_client):
    url = reverse("contacts:customer-search")
    _smits(10)
    ten = staff_client.get(url, {"q": "smit"}, headers=HTMX_EN).content.decode()
    CustomerFactory(full_name="Lisa Smit 10")

    eleven = staff_client.get(url, {"q": "smit"}, headers=HTMX_EN).content.decode()

    assert ten.count("Lisa Smit") == 10
    assert "More hits" not in ten
    assert eleven.count("Lisa Smit") == 10
    assert "More hits" in eleven
    assert f'href="{url}?q=smit"' in eleven


def test_the_search_page_pages_through_all_matches(staff_client):
    smits = _smits(30)
    url = reverse("contacts:customer-search")

    first = staff_client.get(url, {"q": "smit"}, headers=EN)
    second = staff_client.get(url, {"q": "smit", "page": 2}, headers=EN)

    assert [c.pk for c in first.context["page"]] == [c.pk for c in smits[:25]]
    assert [c.pk for c in second.context["page"]] == [c.pk for c in smits[25:]]
    assert "30 customers found" in first.content.decode()
    assert "?q=smit&amp;page=2" in first.content.decode()


def test_the_search_page_runs_a_constant_number_of_queries(staff_client, django_assert_max_num_queries):
    # The stages a page needs decide its queries (at most: the count and every stage), never the number of
    # matches: a few Smits read every stage, sixty or six hundred stop at the same one.
    url = reverse("contacts:customer-search")
    for i in range(5):
        ContactMomentFactory.create_batch(2, customer=CustomerFactory(full_name=f"Lisa Smit {i:03d}"))
    with django_assert_max_num_queries(10):
        few_page = staff_client.get(url, {"q": "smit"}, headers=EN)
    [CustomerFactory(full_name=f"Lisa Smit {i:03d}") for i in range(5, 60)]
    with django_assert_max_num_queries(10) as sixty:
        sixty_page = staff_client.get(url, {"q": "smit", "page": 2}, headers=EN)
    [CustomerFactory(full_name=f"Lisa Smit {i:03d}") for i in range(60, 600)]
    with django_assert_max_num_queries(10) as six_hundred:
        six_hundred_page = staff_client.get(url, {"q": "smit", "page": 2}, headers=EN)

    assert few_page.content.decode().count("Lisa Smit") == 5
    assert sixty_page.content.decode().count("Lisa Smit") == 25
    assert six_hundred_page.content.decode().count("Lisa Smit") == 25
    assert len(sixty) == len(six_hundred)


# --- Issue 11: search in stages -------------------------------------------------------------------------------


def test_names_that_start_with_the_text_come_first_alphabetically_then_names_with_a_word_that_does():
    # given names that start with "jans" (created out of order) and names with a later word that does
    word_start = [CustomerFactory(full_name="Piet Jansen"), CustomerFactory(full_name="Anna Janssen")]
    later, first = CustomerFactory(full_name="Janssen-Smit Karel"), CustomerFactory(full_name="Jansje Bos")

    results = customer_search(query="jans")

    assert results[:2] == [first, later]  # the B-tree's order: alphabetical, whatever the ids
    assert set(results[2:]) == set(word_start)


def test_two_letters_find_names_and_words_that_start_with_them_never_the_middle_of_a_word():
    prefix, word = CustomerFactory(full_name="Jan Bos"), CustomerFactory(full_name="Piet Jansen")
    CustomerFactory(full_name="Marjan Vos")  # "ja" inside a word: infix needs three characters

    assert customer_search(query="ja") == [prefix, word]
    assert [c.full_name for c in customer_search(query="jan")] == ["Jan Bos", "Piet Jansen", "Marjan Vos"]


def test_a_full_dropdown_stops_at_the_first_stages(django_assert_num_queries):
    # given more prefix matches than the dropdown shows, and an infix match that would come later
    [CustomerFactory(full_name=f"Bakker {i:02d}") for i in range(12)]
    CustomerFactory(full_name="Ambakkers")

    with django_assert_num_queries(2):  # the exact stage, then the names that start with "bakk"
        results = customer_search(query="bakk", limit=11)

    assert [c.full_name for c in results] == [f"Bakker {i:02d}" for i in range(11)]


def test_a_merged_customers_number_finds_the_customer_it_was_merged_into():
    survivor = CustomerFactory(full_name="Noor Hendriks", customer_number="K2000001")
    merged = CustomerFactory(full_name="", customer_number="K2000002")
    merged.search_name = ""
    merged.merged_into = survivor
    merged.save()

    assert customer_search(query="k2000002") == [survivor]
    assert customer_search(query="K2000001") == [survivor]


def test_the_search_page_counts_up_to_a_cap(staff_client, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 5)
    [CustomerFactory(full_name=f"Lisa Smit {i:02d}") for i in range(7)]
    url = reverse("contacts:customer-search")

    many = staff_client.get(url, {"q": "smit"}, headers=EN).content.decode()
    CustomerFactory(full_name="Karel Appel")
    few = staff_client.get(url, {"q": "app"}, headers=EN).content.decode()

    assert "More than 5 customers found" in many
    assert "1 customer found" in few
    assert "More than" not in few


def test_every_page_of_the_search_page_shows_other_customers(staff_client):
    smits = [CustomerFactory(full_name=f"Lisa Smit {i:02d}") for i in range(60)]
    url = reverse("contacts:customer-search")

    pages = [list(staff_client.get(url, {"q": "smit", "page": n}).context["page"]) for n in (1, 2, 3)]

    assert [len(page) for page in pages] == [25, 25, 10]
    assert sorted(c.pk for page in pages for c in page) == sorted(c.pk for c in smits)


def test_a_customer_number_is_looked_up_exactly_and_nowhere_else(django_assert_num_queries):
    wanted = CustomerFactory(customer_number="K2000003")
    CustomerFactory(full_name="K2000003 Bos")  # a name that holds the number: not what a desk means

    with django_assert_num_queries(1):
        assert customer_search(query="k2000003") == [wanted]


@trigram_only
def test_names_only_similar_are_not_looked_for_below_three_real_matches():
    # given three customers whose name starts with what is typed, and one whose name is only similar
    real = [CustomerFactory(full_name=f"Jansen {first}") for first in ("Anna", "Bas", "Cor")]
    CustomerFactory(full_name="Janssen Dirk")

    # then the real matches are the whole answer: no guesses below them
    assert customer_search(query="jansen") == real
    # and with two real matches the similar name is listed below them
    real[2].delete()
    assert [c.full_name for c in customer_search(query="jansen")] == ["Jansen Anna", "Jansen Bas", "Janssen Dirk"]


@trigram_only
def test_a_full_name_that_found_its_customer_gets_no_guesses():
    found = CustomerFactory(full_name="Mark Kerkmans")
    CustomerFactory(full_name="Mark Kerkman")  # only similar

    assert customer_search(query="mark kerkmans") == [found]
    # nothing matched: both are guesses
    assert {c.full_name for c in customer_search(query="mark kerkmanns")} == {"Mark Kerkmans", "Mark Kerkman"}


@pytest.mark.parametrize(
    "query",
    ["jans", "ja", "an", "jan jansen", "jansen jan", "de vries", "vri", "ja de", "06 1234", "612345", "k10", "c2@x.nl"],
)
def test_the_page_counts_what_every_stage_finds_with_fewer_conditions(query):
    """The results page counts on the stages that hold the others (`_counted_stages`): the same customers as
    all stages together."""
    names = ["Jan Jansen", "Janneke de Vries", "Marjan Smit", "Anna Jansen-de Vries", "Vries Jan", "Ja Deelen"]
    for i, name in enumerate(names):
        CustomerFactory(full_name=name, phone=f"+316123456{i:02d}", email=f"c{i}@x.nl")
    CustomerFactory(full_name="Piet Puk", customer_number="JANS")  # found by "jans" as its number only
    terms = selectors.search_terms(query)

    def union(conditions):
        return set(selectors.Customer.objects.filter(Q(pk__in=[]) | _any(conditions)).values_list("pk", flat=True))

    every_stage = union([condition for condition, _ in selectors._stages(terms)])
    assert union(selectors._counted_stages(terms)) == every_stage
    assert every_stage or query == "k10"


def _any(conditions):
    found = Q(pk__in=[])
    for condition in conditions:
        found |= condition
    return found

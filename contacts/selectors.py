"""Reads for the contacts screens: each returns what one screen needs, in a fixed number of queries."""

import re
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, IntegerField, Q, QuerySet, Value, When

from contactcare.models import Submission
from contactcare.services import submission_key_parse

from .models import ContactMoment, Customer, Team
from .normalize import customer_number_normalize, email_normalize, name_normalize, phone_normalize
from .services import CUSTOMER_NUMBER_PREFIX

SEARCH_MIN_LENGTH = 2
SEARCH_HITS = 10  # the top bar's dropdown; "more hits" opens the search page
SEARCH_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 20
# At least this many digits make a query a phone number: exact in any
# spelling, or the last digits of a stored number ("3313 4406").
PHONE_MIN_DIGITS = 6
# Shorter name queries are too short for a typo to be told from a fragment.
FUZZY_MIN_LENGTH = 4
_PHONE_LIKE = re.compile(r"^[\d\s()+./-]+$")
_CUSTOMER_NUMBER = re.compile(rf"^{CUSTOMER_NUMBER_PREFIX}[0-9]+$")


@dataclass(frozen=True)
class SearchTerms:
    """What was typed in the search bar, read once: as a name, a phone number, an e-mail address, a number."""

    text: str
    name: str  # normalised like Customer.search_name
    phone: str | None  # E.164 when the text is a valid number
    digits: str  # the digits of a phone-like text with enough of them, without a trunk or 00 prefix
    email: str
    customer_number: str

    @property
    def searchable(self) -> bool:
        """False for text without a letter or digit (an emoji, punctuation): nothing could match it."""
        return any(c.isalnum() for c in self.text)

    @property
    def long_enough(self) -> bool:
        return len(self.text) >= SEARCH_MIN_LENGTH

    @property
    def field(self) -> str | None:
        """The customer field this text looks like, for a new customer made from a search without hits."""
        if not self.searchable:
            return None
        if self.digits or self.phone:
            return "phone"
        if "@" in self.text and " " not in self.text:
            return "email"
        if _CUSTOMER_NUMBER.match(self.customer_number):
            return "customer_number"
        return "full_name"

    @property
    def field_value(self) -> str:
        """The text as that field takes it: a phone as typed, a customer number normalised."""
        return self.customer_number if self.field == "customer_number" else self.text


def search_terms(query: str) -> SearchTerms:
    text = (query or "").strip()
    digits = "".join(c for c in text if c.isdigit())
    phone_like = bool(_PHONE_LIKE.match(text)) and len(digits) >= PHONE_MIN_DIGITS
    if phone_like:
        # "0031 6…" and "06 …" are stored as "+316…": what follows the prefix is what matches.
        digits = digits[2:] if digits.startswith("00") else digits.removeprefix("0")
    return SearchTerms(
        text=text,
        name=name_normalize(text),
        phone=phone_normalize(text) if phone_like else None,
        digits=digits if phone_like else "",
        email=email_normalize(text) if "@" in text else "",
        customer_number=customer_number_normalize(text),
    )


_SEARCH_ORDER = ("rank", "-similarity", "full_name", "id")


def _customer_matches(terms: SearchTerms, *, top: int | None = None) -> QuerySet[Customer]:
    """Every customer the terms find, ranked, with `last_contact_at`: one query.

    Ranks: 0 an exact phone (E.164), e-mail or customer number; 1 a name that
    starts with the text; 2 a name with a word that starts with it; 3 every
    word typed starts a word of the name, in any order (`jansen willem`); 4
    every word occurs somewhere in the name; 5 a phone number that ends with
    the digits typed, 6 one that contains them; 7 on PostgreSQL, when fewer
    than SEARCH_HITS customers match for real, names that are only similar (a
    typo), most similar first. `top` cuts each part to its best rows first,
    which spares the database a ranking of every match when only a few are shown.
    """
    exact = Q(customer_number=terms.customer_number)
    if terms.phone:
        exact |= Q(phone=terms.phone)
    if terms.email:
        exact |= Q(email=terms.email)
    match = exact
    ranks = [When(exact, then=Value(0))]
    if terms.digits:
        match |= Q(phone__contains=terms.digits)
        ranks += [When(phone__endswith=terms.digits, then=Value(5)), When(phone__contains=terms.digits, then=Value(6))]
    elif terms.name:
        words = terms.name.split()
        every_word = Q(*(Q(search_name__contains=word) for word in words))
        word_starts = Q(*(Q(search_name__startswith=word) | Q(search_name__contains=f" {word}") for word in words))
        match |= every_word
        ranks += [
            When(search_name__startswith=terms.name, then=Value(1)),
            When(search_name__contains=f" {terms.name}", then=Value(2)),
            When(word_starts, then=Value(3)),
            When(every_word, then=Value(4)),
        ]
    real = Customer.objects.filter(match).annotate(
        rank=Case(*ranks, default=Value(8), output_field=IntegerField()), similarity=Value(0.0)
    )
    if terms.digits or connection.vendor != "postgresql" or len(terms.name) < FUZZY_MIN_LENGTH:
        return real.order_by(*_SEARCH_ORDER)
    return _with_similar_names(real, match=match, name=terms.name, top=top)


def _with_similar_names(real: QuerySet, *, match: Q, name: str, top: int | None) -> QuerySet[Customer]:
    """The real matches, followed by names similar to `name` when there are few real ones (PostgreSQL).

    Similar is pg_trgm's `search_name %> name`: word_similarity(name,
    search_name) above pg_trgm.word_similarity_threshold (0.6 by default),
    served by the trigram index on search_name. The two parts are one UNION
    ALL; the similar part is guarded by a one-time test (is there a
    SEARCH_HITS-th real match?), so a common fragment never pays for the
    similarity scan, and the planner keeps the index for the real part.
    """
    from django.contrib.postgres.lookups import TrigramWordSimilar
    from django.contrib.postgres.search import TrigramWordSimilarity

    many_real = Exists(Customer.objects.filter(match)[SEARCH_HITS - 1 : SEARCH_HITS])
    similar = (
        Customer.objects.filter(TrigramWordSimilar(F("search_name"), Value(name)))
        .exclude(match)
        .filter(~many_real)
        .annotate(rank=Value(7), similarity=TrigramWordSimilarity(name, "search_name"))
    )
    if top is None:  # all of both parts, in no order of their own: the union orders them
        real, similar = real.order_by(), similar.order_by()
    else:
        real = real.order_by(*_SEARCH_ORDER)[:top]
        similar = similar.order_by(*_SEARCH_ORDER)[:top]
    return real.union(similar, all=True).order_by(*_SEARCH_ORDER)


def customer_search(*, query: str, limit: int = SEARCH_HITS) -> list[Customer]:
    """Customers matching what was typed in the search bar, best first (one query; see _customer_matches).

    A phone number in any common spelling, an e-mail address or a customer
    number matches exactly, each on its own index; six or more digits also
    match the end or middle of stored numbers (a trigram index on phone on
    PostgreSQL). Otherwise every word typed must occur in the name, in any
    order (the trigram index on search_name), and on PostgreSQL a name with a
    typo is found too, below the real matches. Fewer than two characters, or
    text without a letter or digit, find nothing.
    """
    terms = search_terms(query)
    if not terms.long_enough or not terms.searchable:
        return []
    return list(_customer_matches(terms, top=limit)[:limit])


def customer_search_page(*, query: str, page: int | str | None, per_page: int = SEARCH_PAGE_SIZE) -> Page:
    """One page of everything customer_search finds, in the same order (two queries: count and page)."""
    terms = search_terms(query)
    matches = _customer_matches(terms) if terms.long_enough and terms.searchable else Customer.objects.none()
    return Paginator(matches, per_page).get_page(page)


def customer_last_contacts(*, customer: Customer, count: int = 3) -> list[ContactMoment]:
    return list(customer.contact_moments.alive().for_display()[:count])


def customer_timeline(*, customer: Customer, page: int | str | None) -> Page:
    """One page of the customer's contact moments, newest first, deleted ones left out (two queries)."""
    paginator = Paginator(customer.contact_moments.alive().for_display(), TIMELINE_PAGE_SIZE)
    return paginator.get_page(page)


def user_teams(*, user) -> QuerySet[Team]:
    return Team.objects.filter(members=user)


@dataclass
class Change:
    when: object
    who: object
    kind: str  # "+" created, "~" changed, "-" deleted
    fields: list[tuple[str, object, object]]  # (label, before, after)


def customer_history(*, customer: Customer, limit: int = 100) -> list[Change]:
    """Who changed what on a customer, when, newest first: one query, diffs computed between versions."""
    records = list(
        customer.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    changes = []
    for record, previous in zip(records, [*records[1:], None], strict=False):
        fields = []
        if previous is not None:
            for change in record.diff_against(previous, excluded_fields=["search_name", "updated_at"]).changes:
                label = Customer._meta.get_field(change.field).verbose_name
                fields.append((label, change.old, change.new))
        changes.append(Change(record.history_date, record.history_user, record.history_type, fields))
    return changes[:limit]


# --- Possible duplicates of a new customer -----------------------------------------

DUPLICATES_SHOWN = 5
# pg_trgm similarity of two search names at or above which they are "very
# similar": a typo or a missing letter ("jansen"/"janssen", "de vries"/"de vris"),
# not merely a shared first name.
DUPLICATE_NAME_SIMILARITY = 0.5


@dataclass(frozen=True)
class PossibleDuplicate:
    customer: Customer
    same_phone: bool
    same_email: bool
    similar_name: bool


def customer_possible_duplicates(
    *, full_name: str, phone: str = "", email: str = "", limit: int = DUPLICATES_SHOWN
) -> list[PossibleDuplicate]:
    """Existing customers a new one may be, exact matches first (one query).

    The same phone (E.164, however it was typed), the same e-mail, or a very
    similar name: on PostgreSQL trigram similarity on search_name (the
    trigram index of migration 0002 finds the candidates), on SQLite the same
    normalised name.
    """
    name = name_normalize(full_name or "")
    phone = phone_normalize(phone) if phone else None
    email = email_normalize(email or "")
    same_phone = Q(phone=phone) if phone else Q(pk__in=[])
    same_email = Q(email=email) if email else Q(pk__in=[])
    customers = Customer.objects.all()
    if not name:
        similar_name = Q(pk__in=[])
        customers = customers.annotate(similarity=Value(0.0))
    elif connection.vendor == "postgresql":
        from django.contrib.postgres.lookups import TrigramSimilar
        from django.contrib.postgres.search import TrigramSimilarity

        customers = customers.annotate(similarity=TrigramSimilarity("search_name", name))
        similar_name = TrigramSimilar(F("search_name"), Value(name)) & Q(similarity__gte=DUPLICATE_NAME_SIMILARITY)
    else:
        similar_name = Q(search_name=name)
        customers = customers.annotate(
            similarity=Case(When(search_name=name, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
        )
    exact = Case(When(same_phone | same_email, then=Value(0)), default=Value(1), output_field=IntegerField())
    found = customers.filter(same_phone | same_email | similar_name).order_by(exact, "-similarity", "full_name", "id")
    return [
        PossibleDuplicate(
            customer=customer,
            same_phone=bool(phone) and customer.phone == phone,
            same_email=bool(email) and customer.email == email,
            similar_name=customer.search_name == name or customer.similarity >= DUPLICATE_NAME_SIMILARITY,
        )
        for customer in found[:limit]
    ]


def submission_taken(*, actor, key) -> bool:
    """Whether `actor` already submitted the form with this one-time key (then it is a repeat, not a new customer)."""
    key = submission_key_parse(key)
    return key is not None and Submission.objects.filter(actor=actor, key=key).exists()

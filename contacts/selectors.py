"""Reads for the contacts screens: each returns what one screen needs, in a fixed number of queries."""

import re
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, OrderBy, Q, QuerySet, Subquery, Value, When

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
# Names only similar (a typo) are looked for when the real matches are fewer than this: a list of real
# matches needs no guesses below it, and ranking trigram candidates is the slowest stage (10 ms of a
# full name's 25 at a million customers, to add one guess to nine real hits; issue 11).
TYPO_SEARCH_BELOW = 3
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


# The search page counts its hits up to here ("more than 1,000 customers found"): a count of every
# Jansen among a million customers costs more than the page it heads.
SEARCH_COUNT_CAP = 1000
# The typo stage ranks at most this many similar names: a bounded set, never every similar name.
SIMILAR_CANDIDATES = 100
# Infix matching ("marjan" for "jan") needs a trigram of every word typed: three characters or more.
INFIX_MIN_LENGTH = 3


class _Bytewise(OrderBy):
    """ORDER BY search_name USING ~<~ (PostgreSQL): the byte order of the varchar_pattern_ops index that
    Django keeps beside every indexed CharField, which also serves `LIKE 'jans%'`. So the names that start
    with the text are read from that index in order, the LIMIT stops the scan, and nothing is sorted; the
    database's own collation (C.UTF-8, en_US, ...) does not matter.
    """

    # USING replaces ASC; the comment keeps "ASC" where Django's compiler looks for the direction.
    template = "%(expression)s USING ~<~ /* ASC */"


def _by_name() -> tuple:
    """Alphabetical, as the B-tree that finds names by their start gives them (SQLite compares bytes anyway)."""
    if connection.vendor == "postgresql":
        return (_Bytewise(F("search_name")), "id")
    return ("search_name", "id")


def _stages(terms: SearchTerms) -> list[tuple[Q, bool]]:
    """What the search bar's text finds, best first, as (condition, ordered by name?) stages.

    1. an exact phone (E.164), e-mail or customer number; then, for six or more
       digits, phone numbers that end with them, then ones that contain them;
    otherwise, for a name:
    2. names that start with the text (alphabetical, read in order from the B-tree);
    3. names with a word that starts with it;
    4. (several words) names where every word typed starts a word, in any order;
    5. from three characters a word: names that contain every word (the trigram index).
    Stages after the second are read in the index's order, with a LIMIT and no sort of all matches.
    The typo stage (`_similar`) comes after these.
    """
    exact = Q(customer_number=terms.customer_number)
    if terms.phone:
        exact |= Q(phone=terms.phone)
    if terms.email:
        exact |= Q(email=terms.email)
    stages = [(exact, False)]
    if terms.digits:
        return [*stages, (Q(phone__endswith=terms.digits), False), (Q(phone__contains=terms.digits), False)]
    if not terms.name or _is_customer_number(terms):
        return stages
    name, words = terms.name, terms.name.split()
    stages += [
        (Q(search_name__startswith=name), True),
        (Q(search_name__contains=f" {name}"), False),
    ]
    if len(words) > 1:
        starts = Q(*(Q(search_name__startswith=word) | Q(search_name__contains=f" {word}") for word in words))
        stages.append((starts, False))
    if all(len(word) >= INFIX_MIN_LENGTH for word in words):
        stages.append((Q(*(Q(search_name__contains=word) for word in words)), False))
    return stages


def _counted_stages(terms: SearchTerms) -> list[Q]:
    """The stages whose matches together are everything `_stages` finds, for counting them: a stage whose every
    match a later stage finds too adds nothing but work to the count. Phone numbers that contain the digits
    hold those that end with them; names that contain every word typed (from three characters a word) hold
    the names that start with the text, have a word that starts with it, or hold every word's start. So
    "jans" is counted on one trigram condition, not three (17 ms → 8 ms for a million customers)."""
    stages = [condition for condition, _ in _stages(terms)]
    infix = terms.name and all(len(word) >= INFIX_MIN_LENGTH for word in terms.name.split())
    if len(stages) > 2 and (terms.digits or infix):
        return [stages[0], stages[-1]]
    return stages


def _similar(name: str, *, exclude: list[int], limit: int) -> list[Customer]:
    """Names only similar to `name` (a typo), most similar first (PostgreSQL; one query).

    Similar is pg_trgm's `search_name %> name` (word_similarity above
    pg_trgm.word_similarity_threshold, 0.6 by default), found by the trigram
    index. Only the first SIMILAR_CANDIDATES the index finds are ranked: a
    bounded sort, never a ranking of every similar name.
    """
    from django.contrib.postgres.lookups import TrigramWordSimilar
    from django.contrib.postgres.search import TrigramWordSimilarity

    candidates = (
        Customer.objects.filter(TrigramWordSimilar(F("search_name"), Value(name)))
        .exclude(pk__in=exclude)
        .order_by()
        .values("pk")[:SIMILAR_CANDIDATES]
    )
    return list(
        Customer.objects.filter(pk__in=Subquery(candidates))
        .annotate(similarity=TrigramWordSimilarity(name, "search_name"))
        .order_by("-similarity", "search_name", "id")[:limit]
    )


def _staged_hits(terms: SearchTerms, *, limit: int) -> list[Customer]:
    """The first `limit` customers the terms find, stage after stage: one query per stage, at most seven.

    A stage runs only when the stages before it found fewer than `limit`, so
    a common fragment ("jans", "de") is answered by its first stages. Each
    stage leaves out what the earlier ones found (they found all they had).
    The typo stage runs only when few customers match for real (fewer than
    TYPO_SEARCH_BELOW for one word, none for a full name): a common fragment,
    or a full name that found its customer, never pays for it.
    """
    if not terms.long_enough or not terms.searchable:
        return []
    found: list[Customer] = []
    for number, (condition, by_name) in enumerate(_stages(terms)):
        if len(found) >= limit:
            break
        rows = Customer.objects.filter(condition).exclude(pk__in=[c.pk for c in found])
        if number == 0:  # a merged customer's number finds the customer it was merged into
            rows = rows.select_related("merged_into")
        rows = rows.order_by(*_by_name()) if by_name else rows.order_by()
        hits = list(rows[: limit - len(found)])
        if number == 0:
            hits = [customer.merged_into or customer for customer in hits]
        found = list({customer.pk: customer for customer in [*found, *hits]}.values())  # a survivor once
    if _typos_searched(terms) and len(found) < min(limit, _typo_search_below(terms)):
        found += _similar(terms.name, exclude=[c.pk for c in found], limit=min(limit, SEARCH_HITS) - len(found))
    return found


def _typo_search_below(terms: SearchTerms) -> int:
    """Guesses (names only similar) are added below fewer real matches than this: TYPO_SEARCH_BELOW for
    one word; for several words (a first and last name) only when nothing matched, since a full name that
    found its customer needs no guesses."""
    return TYPO_SEARCH_BELOW if len(terms.name.split()) == 1 else 1


def _is_customer_number(terms: SearchTerms) -> bool:
    """A customer number ("K1000042") is looked up exactly, never as (a typo of) a name."""
    return bool(_CUSTOMER_NUMBER.match(terms.customer_number))


def _typos_searched(terms: SearchTerms) -> bool:
    """Whether a name with a typo is looked for: on PostgreSQL, for names of FUZZY_MIN_LENGTH or more."""
    return (
        connection.vendor == "postgresql"
        and not terms.digits
        and not _is_customer_number(terms)
        and len(terms.name) >= FUZZY_MIN_LENGTH
    )


def customer_search(*, query: str, limit: int = SEARCH_HITS) -> list[Customer]:
    """Customers matching what was typed in the search bar, best first (see `_stages`).

    A phone number in any common spelling, an e-mail address or a customer
    number matches exactly, each on its own index; six or more digits also
    match the end or middle of stored numbers (a trigram index on phone on
    PostgreSQL). Otherwise names that start with the text come first, then
    names with a word that starts with it, then names holding every word
    typed, in any order; on PostgreSQL a name with a typo is found too, below
    the real matches. Fewer than two characters, or text without a letter or
    digit, find nothing.
    """
    return _staged_hits(search_terms(query), limit=limit)


class _StagedResults:
    """Everything the search finds, for a Paginator: counted up to SEARCH_COUNT_CAP, sliced by stages."""

    def __init__(self, terms: SearchTerms):
        self.terms = terms
        self._hits: list[Customer] = []
        self._asked = 0  # the limit `_hits` was read with

    def _first(self, stop: int) -> list[Customer]:
        """The first `stop` hits, read once: a shorter answer than asked for is everything there is."""
        if stop > self._asked and len(self._hits) >= self._asked:
            self._hits, self._asked = _staged_hits(self.terms, limit=stop), stop
        return self._hits[:stop]

    def count(self) -> int:
        """How many customers the stages find, up to SEARCH_COUNT_CAP + 1 (one query; two with typos)."""
        if not self.terms.long_enough or not self.terms.searchable:
            return 0
        any_stage = Q(pk__in=[])
        for condition in _counted_stages(self.terms):
            any_stage |= condition
        real = Customer.objects.filter(any_stage).order_by().values("pk")[: SEARCH_COUNT_CAP + 1].count()
        if real <= SEARCH_PAGE_SIZE:  # one page holds them all: read it now, the page slices what was read
            return len(self._first(SEARCH_PAGE_SIZE))
        return real

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        stop = index.stop if isinstance(index, slice) else index + 1
        return self._first(stop)[index]


def customer_search_page(*, query: str, page: int | str | None, per_page: int = SEARCH_PAGE_SIZE) -> Page:
    """One page of what customer_search finds, in the same order: a capped count and the stages up to this
    page (a handful of queries, never a ranking of every match). The last page is at most SEARCH_COUNT_CAP in.
    """
    return Paginator(_StagedResults(search_terms(query)), per_page).get_page(page)


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

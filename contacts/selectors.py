"""Reads for the contacts screens: each returns what one screen needs, in a fixed number of queries."""

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import ContactMoment, Customer, Team
from .normalize import name_normalize, phone_normalize

SEARCH_MIN_LENGTH = 2
TIMELINE_PAGE_SIZE = 20


def customer_search(*, query: str, limit: int = 10) -> list[Customer]:
    """Customers matching what was typed in the search bar, best first.

    One query. A phone number in any common spelling, an e-mail address or a
    customer number matches exactly (each on its own index); otherwise the
    name fragment matches anywhere in the name (a trigram index on
    PostgreSQL). Ranking: exact identifiers, then names that start with the
    fragment, then names with a word that starts with it, then the rest.
    """
    query = (query or "").strip()
    if len(query) < SEARCH_MIN_LENGTH:
        return []

    match = Q(customer_number=query.upper().replace(" ", ""))
    exact = Q(customer_number=query.upper().replace(" ", ""))
    phone = phone_normalize(query) if sum(c.isdigit() for c in query) >= 6 else None
    if phone:
        match |= Q(phone=phone)
        exact |= Q(phone=phone)
    if "@" in query:
        match |= Q(email=query.lower())
        exact |= Q(email=query.lower())
    name = name_normalize(query)
    if name and not phone:
        match |= Q(search_name__contains=name)

    rank = Case(
        When(exact, then=Value(0)),
        When(search_name__startswith=name, then=Value(1)),
        When(search_name__contains=f" {name}", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(
        Customer.objects.filter(match)
        .with_last_contact()
        .annotate(rank=rank)
        .order_by("rank", "full_name", "pk")[:limit]
    )


def customer_last_contacts(*, customer: Customer, count: int = 3) -> list[ContactMoment]:
    return list(customer.contact_moments.for_display()[:count])


def customer_timeline(*, customer: Customer, page: int | str | None) -> Page:
    """One page of the customer's contact moments, newest first (two queries: count and page)."""
    paginator = Paginator(customer.contact_moments.for_display(), TIMELINE_PAGE_SIZE)
    return paginator.get_page(page)


def user_teams(*, user) -> QuerySet[Team]:
    return Team.objects.filter(members=user)

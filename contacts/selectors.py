"""Reads for the contacts screens: each returns what one screen needs, in a fixed number of queries."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import ContactMoment, Customer, Team
from .normalize import customer_number_normalize, email_normalize, name_normalize, phone_normalize

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

    match = Q(customer_number=customer_number_normalize(query))
    exact = Q(customer_number=customer_number_normalize(query))
    phone = phone_normalize(query) if sum(c.isdigit() for c in query) >= 6 else None
    if phone:
        match |= Q(phone=phone)
        exact |= Q(phone=phone)
    if "@" in query:
        match |= Q(email=email_normalize(query))
        exact |= Q(email=email_normalize(query))
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

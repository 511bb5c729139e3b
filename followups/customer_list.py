"""The Customers page's read: filtered, sorted, one keyset page at a time.

It lives in followups, not contacts, because two of its filters ("has open
promises", "has overdue check-ins") are follow-up concepts and contacts must
not import followups; the contact half (team and time of the last contact)
reads the columns contacts keeps on Customer.

Keyset, not OFFSET: the next page starts after the last row shown, by its sort
key and id, so page 4,000 costs what page 1 costs. Sorted by name the walk uses
the (full_name, id) index; by last contact, (last_contact_at, id) read backwards,
or (last_contact_team, last_contact_at, id) with a team filter. Customers
without any contact come after all others when sorting by last contact: a
second walk over them (by id, newest first) fills a page once the dated ones
run out, so a page is one query, or two at the turn.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from contacts.models import Customer, Team

from .models import CheckIn, CheckInIs, Promise, PromiseIs

PAGE_SIZE = 25
SORT_NAME = "name"
SORT_LAST_CONTACT = "last_contact"


@dataclass(frozen=True)
class CustomerFilters:
    team: Team | None = None
    contact_from: date | None = None  # last contact on or after this local date
    contact_before: date | None = None  # last contact before this local date
    open_promises: bool = False
    overdue_checkins: bool = False
    sort: str = SORT_NAME


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the row with this sort key (a name, a time or None) and id."""

    key: str | datetime | None
    id: int


@dataclass(frozen=True)
class CustomerPage:
    customers: list[Customer]
    next_cursor: str | None  # None on the last page


def cursor_encode(cursor: Cursor) -> str:
    key = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    return base64.urlsafe_b64encode(json.dumps([key, cursor.id]).encode()).decode().rstrip("=")


def cursor_decode(text: str, *, sort: str) -> Cursor:
    """The cursor a "next" link carried; ValueError when it is not one this sort could have made."""
    try:
        key, pk = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as error:
        raise ValueError("not a cursor") from error
    if not isinstance(pk, int) or isinstance(pk, bool) or pk < 0:
        raise ValueError("not a cursor")
    if sort == SORT_NAME and isinstance(key, str):
        return Cursor(key, pk)
    if sort == SORT_LAST_CONTACT and key is None:
        return Cursor(None, pk)
    if sort == SORT_LAST_CONTACT and isinstance(key, str):
        moment = parse_datetime(key)
        if moment is not None and timezone.is_aware(moment):
            return Cursor(moment, pk)
    raise ValueError("not a cursor")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _has_open_promises() -> Exists:
    return Exists(Promise.objects.filter(PromiseIs.open(), customer=OuterRef("pk")))


def _has_overdue_checkins(today: date) -> Exists:
    return Exists(CheckIn.objects.filter(CheckInIs.overdue(today), customer=OuterRef("pk")))


def _filtered(filters: CustomerFilters, *, today: date) -> QuerySet[Customer]:
    """The customers the filters let through, without the flags: `_rows` adds those to one page's rows only."""
    # A merged customer is a pointer to the one it was merged into, not a customer of its own.
    customers = Customer.objects.filter(merged_into__isnull=True)
    if filters.team is not None:
        customers = customers.filter(last_contact_team=filters.team)
    if filters.contact_from is not None:
        customers = customers.filter(last_contact_at__gte=_local_midnight(filters.contact_from))
    if filters.contact_before is not None:
        customers = customers.filter(last_contact_at__lt=_local_midnight(filters.contact_before))
    # In WHERE the EXISTS is a semi-join the walk in index order stops after the page's rows.
    if filters.open_promises:
        customers = customers.filter(_has_open_promises())
    if filters.overdue_checkins:
        customers = customers.filter(_has_overdue_checkins(today))
    return customers


def _rows(customers: QuerySet[Customer], *, order: tuple[str, ...], limit: int, today: date) -> list[Customer]:
    """The first `limit` customers in this order, with their team and flags: one query.

    The page's ids are taken first (a subquery with LIMIT) and the flags computed for those rows only:
    as annotations on the walk itself PostgreSQL hashes every open promise and every open check-in
    of the desk before it takes the first row, whatever the page.
    """
    page = customers.order_by(*order).values("pk")[:limit]
    return list(
        Customer.objects.filter(pk__in=page)
        .select_related("last_contact_team")
        .annotate(has_open_promises=_has_open_promises(), has_overdue_checkins=_has_overdue_checkins(today))
        .order_by(*order)
    )


def _page(rows: list[Customer], *, per_page: int, key) -> CustomerPage:
    if len(rows) <= per_page:
        return CustomerPage(rows, None)
    last = rows[per_page - 1]
    return CustomerPage(rows[:per_page], cursor_encode(Cursor(key(last), last.pk)))


def customer_list(
    *, filters: CustomerFilters, after: Cursor | None = None, today: date | None = None, per_page: int = PAGE_SIZE
) -> CustomerPage:
    """One page of customers and the cursor of the next (one query; two where dated customers give way to undated)."""
    today = today or timezone.localdate()
    customers = _filtered(filters, today=today)
    if filters.sort == SORT_NAME:
        if after is not None:  # `>=` bounds the index range; the OR only sorts out ties on the name
            customers = customers.filter(Q(full_name__gte=after.key), Q(full_name__gt=after.key) | Q(pk__gt=after.id))
        rows = _rows(customers, order=("full_name", "pk"), limit=per_page + 1, today=today)
        return _page(rows, per_page=per_page, key=lambda customer: customer.full_name)

    dated = customers.filter(last_contact_at__isnull=False)
    undated = customers.filter(last_contact_at__isnull=True)
    rows = []
    if after is None or after.key is not None:
        if after is not None:
            dated = dated.filter(
                Q(last_contact_at__lte=after.key), Q(last_contact_at__lt=after.key) | Q(pk__lt=after.id)
            )
        rows = _rows(dated, order=("-last_contact_at", "-pk"), limit=per_page + 1, today=today)
    elif after is not None:
        undated = undated.filter(pk__lt=after.id)
    # A team or a date filter leaves no customer without a contact: the second walk would find nothing.
    may_be_undated = filters.team is None and filters.contact_from is None and filters.contact_before is None
    if len(rows) <= per_page and may_be_undated:
        rows += _rows(undated, order=("-pk",), limit=per_page + 1 - len(rows), today=today)
    return _page(rows, per_page=per_page, key=lambda customer: customer.last_contact_at)

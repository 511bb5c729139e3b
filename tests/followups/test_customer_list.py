"""Issue 10, browse: the Customers page filters, sorts and pages by keyset; the last contact is kept on the customer."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from contacts import services as contact_services
from contacts.models import Customer
from followups.customer_list import (
    SORT_LAST_CONTACT,
    SORT_NAME,
    CustomerFilters,
    cursor_decode,
    customer_list,
)
from followups.models import CheckIn, Promise
from tests.factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
URL = "/customers/"


def _at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def _names(page) -> list[str]:
    return [customer.full_name for customer in page.customers]


def _walk(filters: CustomerFilters, per_page: int) -> list[Customer]:
    """Every page from the first, following the next cursor."""
    seen, after = [], None
    for _ in range(100):
        page = customer_list(filters=filters, after=after, per_page=per_page)
        seen += page.customers
        if page.next_cursor is None:
            return seen
        after = cursor_decode(page.next_cursor, sort=filters.sort)
    raise AssertionError("the pages never ended")


# --- The last contact, kept on the customer -------------------------------------------


def test_logging_a_contact_sets_the_customers_last_contact_and_its_team():
    customer, team, user = CustomerFactory(), TeamFactory(), UserFactory()
    when = timezone.now() - timedelta(hours=2)

    contact_services.contact_moment_create(
        customer=customer, logged_by=user, actor=user, occurred_at=when, team=team, channel="phone",
        direction="in", summary="Called about the bill", outcome="resolved",
    )  # fmt: skip

    customer.refresh_from_db()
    assert (customer.last_contact_at, customer.last_contact_team) == (when, team)


def test_an_older_contact_logged_afterwards_leaves_the_last_contact_as_it_was():
    customer, newer_team, older_team, user = CustomerFactory(), TeamFactory(), TeamFactory(), UserFactory()
    newest = timezone.now() - timedelta(hours=1)
    fields = {"channel": "phone", "direction": "in", "summary": "About the bill", "outcome": "resolved"}
    contact_services.contact_moment_create(
        customer=customer, logged_by=user, actor=user, occurred_at=newest, team=newer_team, **fields
    )

    contact_services.contact_moment_create(
        customer=customer, logged_by=user, actor=user, occurred_at=newest - timedelta(days=3), team=older_team, **fields
    )

    customer.refresh_from_db()
    assert (customer.last_contact_at, customer.last_contact_team) == (newest, newer_team)


def test_refresh_recomputes_the_last_contact_from_the_contacts_left():
    customer, team = CustomerFactory(), TeamFactory()
    older = ContactMomentFactory(customer=customer, team=team, occurred_at=timezone.now() - timedelta(days=5))
    newest = ContactMomentFactory(customer=customer, occurred_at=timezone.now() - timedelta(days=1))
    newest.delete()  # what a correction or deletion does to "the newest"

    contact_services.customer_last_contact_refresh(customer_id=customer.pk)

    customer.refresh_from_db()
    assert (customer.last_contact_at, customer.last_contact_team) == (older.occurred_at, team)


def test_editing_a_customer_does_not_write_back_a_stale_last_contact(staff_user):
    customer = CustomerFactory()
    stale = Customer.objects.get(pk=customer.pk)  # the edit form's copy, read before the contact
    moment = ContactMomentFactory(customer=customer)

    contact_services.customer_update(customer=stale, actor=staff_user, preferred_address="Jan")

    customer.refresh_from_db()
    assert customer.preferred_address == "Jan"
    assert customer.last_contact_at == moment.occurred_at


# --- Filters ---------------------------------------------------------------------------


def test_team_filter_keeps_customers_whose_last_contact_was_with_that_team():
    desk, shop = TeamFactory(name="Desk"), TeamFactory(name="Shop")
    last_with_desk = CustomerFactory(full_name="Anna Desk")
    ContactMomentFactory(customer=last_with_desk, team=shop, occurred_at=timezone.now() - timedelta(days=9))
    ContactMomentFactory(customer=last_with_desk, team=desk, occurred_at=timezone.now() - timedelta(days=1))
    moved_to_shop = CustomerFactory(full_name="Bert Shop")
    ContactMomentFactory(customer=moved_to_shop, team=desk, occurred_at=timezone.now() - timedelta(days=9))
    ContactMomentFactory(customer=moved_to_shop, team=shop, occurred_at=timezone.now() - timedelta(days=1))

    page = customer_list(filters=CustomerFilters(team=desk))

    assert _names(page) == ["Anna Desk"]


def test_last_contact_from_and_before_are_local_dates():
    today = timezone.localdate()
    for name, days_ago in [("Old", 30), ("Mid", 10), ("New", 1)]:
        ContactMomentFactory(customer=CustomerFactory(full_name=name), occurred_at=_at(today - timedelta(days_ago)))
    CustomerFactory(full_name="Never")

    between = customer_list(
        filters=CustomerFilters(contact_from=today - timedelta(10), contact_before=today - timedelta(1))
    )
    before = customer_list(filters=CustomerFilters(contact_before=today - timedelta(10)))

    assert _names(between) == ["Mid"]
    assert _names(before) == ["Old"]


def test_open_promises_filter_ignores_kept_and_cancelled_ones():
    PromiseFactory(moment__customer=CustomerFactory(full_name="Open"))
    PromiseFactory(
        moment__customer=CustomerFactory(full_name="Kept"), status=Promise.Status.KEPT, kept_at=timezone.now()
    )
    PromiseFactory(moment__customer=CustomerFactory(full_name="Cancelled"), status=Promise.Status.CANCELLED)
    CustomerFactory(full_name="None")

    page = customer_list(filters=CustomerFilters(open_promises=True))

    assert _names(page) == ["Open"]


def test_overdue_checkins_filter_needs_an_open_one_past_its_date():
    today = timezone.localdate()
    CheckInFactory(origin__customer=CustomerFactory(full_name="Overdue"), due_date=today - timedelta(1))
    CheckInFactory(origin__customer=CustomerFactory(full_name="Due today"), due_date=today)
    CheckInFactory(
        origin__customer=CustomerFactory(full_name="Done"),
        due_date=today - timedelta(5),
        status=CheckIn.Status.DONE,
        done_date=today - timedelta(4),
    )

    page = customer_list(filters=CustomerFilters(overdue_checkins=True), today=today)

    assert _names(page) == ["Overdue"]


# --- Sort and keyset pages -------------------------------------------------------------


def test_pages_by_name_walk_every_customer_once_even_with_equal_names():
    for name in ["Bram", "Jan Jansen", "Jan Jansen", "Jan Jansen", "Jan Jansen", "Anna", "Zoë", "Jan Jansen"]:
        CustomerFactory(full_name=name)
    expected = list(Customer.objects.order_by("full_name", "pk"))

    walked = _walk(CustomerFilters(sort=SORT_NAME), per_page=2)

    assert walked == expected
    assert len({customer.pk for customer in walked}) == 8


def test_pages_by_last_contact_are_newest_first_then_customers_never_contacted():
    now = timezone.now()
    same_moment = now - timedelta(days=2)
    dated = []
    for offset in [5, 1, None, None, 3]:  # two customers share one last-contact moment
        customer = CustomerFactory()
        ContactMomentFactory(customer=customer, occurred_at=same_moment if offset is None else now - timedelta(offset))
        dated.append(customer)
    never = [CustomerFactory() for _ in range(3)]
    expected = sorted(
        Customer.objects.filter(pk__in=[c.pk for c in dated]), key=lambda c: (c.last_contact_at, c.pk), reverse=True
    ) + sorted(never, key=lambda c: c.pk, reverse=True)

    walked = _walk(CustomerFilters(sort=SORT_LAST_CONTACT), per_page=3)

    assert [c.pk for c in walked] == [c.pk for c in expected]


def test_the_page_follows_the_next_link_with_the_filters_kept(staff_client):
    shop = TeamFactory(name="Shop")
    for index in range(27):
        ContactMomentFactory(customer=CustomerFactory(full_name=f"Klant {index:02d}"), team=shop)
    CustomerFactory(full_name="Klant zonder contact")

    first = staff_client.get(URL, {"team": shop.pk, "sort": "name"}, headers=EN)
    next_href = first.context["next_query"]
    second = staff_client.get(f"{URL}?{next_href}", headers=EN)

    assert [c.full_name for c in first.context["page"].customers][-1] == "Klant 24"
    assert [c.full_name for c in second.context["page"].customers] == ["Klant 25", "Klant 26"]
    assert second.context["next_query"] is None
    assert "First page" in second.text


def test_the_page_shows_follow_up_flags_and_the_team(staff_client):
    customer = CustomerFactory(full_name="Femke Flag")
    PromiseFactory(moment__customer=customer, moment__team=TeamFactory(name="Balie"))
    CheckInFactory(origin__customer=customer, due_date=timezone.localdate() - timedelta(2))

    response = staff_client.get(URL, headers=EN)

    assert response.status_code == 200
    assert "open promises" in response.text and "overdue check-ins" in response.text
    assert "Balie" in response.text


def _fill(count: int) -> None:
    team = TeamFactory()
    for _ in range(count):
        customer = CustomerFactory()
        PromiseFactory(moment__customer=customer, moment__team=team)
        CheckInFactory(origin__customer=customer, due_date=timezone.localdate() - timedelta(1))


# session, user, 2 × permissions, the page, my-day badge, unread notifications, the sweep banner, its
# migration check, the filter's team list = 10; by last contact one more when the page reaches the
# customers never contacted
@pytest.mark.parametrize(("sort", "budget"), [("name", 10), ("last_contact", 11)])
def test_queries_do_not_grow_with_customers_on_the_page(staff_client, django_assert_max_num_queries, sort, budget):
    _fill(3)
    with django_assert_max_num_queries(budget):
        few = staff_client.get(URL, {"sort": sort})
    _fill(40)
    with django_assert_max_num_queries(budget):
        many = staff_client.get(URL, {"sort": sort})

    assert len(few.context["page"].customers) == 3
    assert len(many.context["page"].customers) == 25


@pytest.mark.parametrize(
    "query",
    [
        {"after": "not-a-cursor"},
        {"team": "²"},
        {"contact_from": "31-02-2026"},
        {"sort": "last_contact", "after": "WyJ4IiwxXQ"},
    ],
)
def test_a_query_string_that_cannot_be_read_is_a_400_with_the_reason(staff_client, query):
    response = staff_client.get(URL, query, headers=EN)

    assert response.status_code == 400
    assert 'class="alert alert-danger"' in response.text


def test_the_customers_page_is_for_desk_roles_only(client):
    client.force_login(UserFactory(role=""))

    assert client.get(URL).status_code == 403


def test_logging_without_a_time_stamps_the_last_contact_now():
    customer, user = CustomerFactory(), UserFactory()

    moment = contact_services.contact_moment_create(
        customer=customer, logged_by=user, actor=user, channel="phone", direction="in", summary="Hi", outcome="resolved"
    )

    customer.refresh_from_db()
    assert customer.last_contact_at == moment.occurred_at

"""Who is losing touch (followups.losing_touch, issue 14): the list, hand-counted, and what it costs."""

import pytest
from django.utils import timezone

from followups import losing_touch, services
from followups.losing_touch import After, losing_touch_page

from .conftest import contact, local

pytestmark = pytest.mark.django_db


def names(page) -> list[tuple]:
    return [(row.customer.full_name, row.kind, row.days) for row in page.rows]


def test_a_manager_sees_every_team_newest_first_with_the_days_since_counted_by_hand(desk):
    page = losing_touch_page(teams=None, days=14, now=timezone.now())

    assert names(page) == [
        ("Exact Veertien", "contact", 14),
        ("Belofte Gebroken", "promise", 15),
        ("Ander Team", "contact", 17),
    ]
    assert page.next_after == ""


def test_a_lead_sees_only_their_teams_customers(desk):
    noord = losing_touch_page(teams=[desk.noord.pk], days=14, now=timezone.now())
    zuid = losing_touch_page(teams=[desk.zuid.pk], days=14, now=timezone.now())

    assert [row.customer.full_name for row in noord.rows] == ["Exact Veertien", "Belofte Gebroken"]
    assert [row.customer.full_name for row in zuid.rows] == ["Ander Team"]


def test_each_row_says_what_happened_who_handled_it_and_the_team(desk):
    exact, broken, other = losing_touch_page(teams=None, days=14, now=timezone.now()).rows

    assert (exact.moment.sentiment_end, exact.moment.occurred_at, exact.handled_by, exact.team) == (
        2,
        local(14, 23, 30),
        desk.users["anna"],  # who logged the negative contact, not Bram who logged the earlier one
        desk.noord,
    )
    assert (broken.promise, broken.at, broken.handled_by, broken.team) == (
        desk.promises["broken"],
        local(15, 17),
        desk.users["bram"],
        desk.noord,
    )
    assert (other.handled_by, other.team, other.moment.channel) == (desk.users["zara"], desk.zuid, "email")
    assert exact.planned is broken.planned is other.planned is None


def test_the_threshold_is_the_desks_setting(desk):
    assert names(losing_touch_page(teams=None, days=15, now=timezone.now())) == [
        ("Belofte Gebroken", "promise", 15),
        ("Ander Team", "contact", 17),
    ]
    # 13 days: the promise that broke at 9:00 and the contact at 0:30, 13 days ago, come on (newest first)
    assert [n for n, *_ in names(losing_touch_page(teams=None, days=13, now=timezone.now()))] == [
        "Belofte Dertien",
        "Bijna Dertien",
        "Exact Veertien",
        "Belofte Gebroken",
        "Ander Team",
    ]


def test_a_contact_logged_now_takes_the_customer_off_the_list(desk):
    customer = desk.customers["Exact Veertien"]
    services.contact_log(
        customer=customer, actor=desk.users["bram"], summary="Even nagevraagd", team=desk.noord, sentiment_end=2
    )

    page = losing_touch_page(teams=None, days=14, now=timezone.now())

    assert "Exact Veertien" not in [row.customer.full_name for row in page.rows]


def test_deleting_the_contact_since_puts_the_customer_back_on_the_list(desk):
    customer = desk.customers["Daarna Positief"]
    positive = customer.contact_moments.get(sentiment_end=5)

    services.contact_delete(moment=positive, actor=desk.users["lies"], reason="Bij de verkeerde klant gelogd")

    rows = losing_touch_page(teams=None, days=14, now=timezone.now()).rows
    assert [(row.customer.full_name, row.days) for row in rows if row.customer == customer] == [("Daarna Positief", 20)]


def test_correcting_the_last_contacts_sentiment_moves_the_customer_on_or_off(desk):
    customer = desk.customers["Exact Veertien"]
    negative = customer.contact_moments.get(sentiment_end=2)

    services.contact_correct(moment=negative, actor=desk.users["lies"], reason="Verkeerd ingevuld", sentiment_end=4)

    customer.refresh_from_db()
    assert customer.last_contact_sentiment_end == 4
    rows = losing_touch_page(teams=None, days=14, now=timezone.now()).rows
    assert customer not in [row.customer for row in rows]


def test_a_planned_check_in_shows_on_the_row(desk):
    customer = desk.customers["Belofte Gebroken"]
    checkin = losing_touch.losing_touch_checkin_plan(customer=customer, actor=desk.users["lies"])

    rows = losing_touch_page(teams=None, days=14, now=timezone.now()).rows

    assert [row.planned for row in rows if row.customer == customer] == [checkin]


def test_pages_follow_each_other_without_gaps_or_repeats(desk):
    contact(desk.customers["Ander Team"], when=local(17, 14), team=desk.zuid, by=desk.users["zara"], sentiment_end=1)
    first = losing_touch_page(teams=None, days=14, now=timezone.now(), per_page=2)
    second = losing_touch_page(teams=None, days=14, now=timezone.now(), after=After.parse(first.next_after), per_page=2)

    assert [n for n, *_ in names(first)] == ["Exact Veertien", "Belofte Gebroken"]
    assert [n for n, *_ in names(second)] == ["Ander Team"]
    assert second.next_after == ""


def test_a_contact_and_a_promise_on_the_same_minute_page_apart(desk):
    # a second customer of team Zuid whose promise broke the very minute Ander Team's contact was
    customer = desk.customers["Bijna Dertien"]
    made = contact(customer, when=local(19, 9), team=desk.zuid, by=desk.users["zara"])
    from tests.factories import PromiseFactory

    PromiseFactory(moment=made, due_at=local(17, 14), description="Zelfde minuut")
    customer.contact_moments.filter(occurred_at__gt=local(19, 9)).delete()  # test setup: only the old one
    from contacts.services import customer_last_contact_refresh

    customer_last_contact_refresh(customer_id=customer.pk)
    pages, after = [], None
    while True:
        page = losing_touch_page(teams=[desk.zuid.pk], days=14, now=timezone.now(), after=after, per_page=1)
        pages += names(page)
        if not page.next_after:
            break
        after = After.parse(page.next_after)

    assert pages == [("Ander Team", "contact", 17), ("Bijna Dertien", "promise", 17)]


@pytest.mark.parametrize(
    "text", ["", "abc", "1.2.3", "1.0", "1.0.x", "999999999999999999.0.1", "-999999999999999999.0.1", "1.2.1", "٣.0.1"]
)
def test_a_page_link_that_cannot_be_read_is_refused(text):
    with pytest.raises(ValueError):
        After.parse(text)


def test_a_page_reads_in_four_queries_however_many_rows(desk, django_assert_num_queries):
    # the two halves of the list, the negative contacts' rows, the planned check-ins
    with django_assert_num_queries(4):
        small = losing_touch_page(teams=None, days=14, now=timezone.now())
    for i in range(6):
        customer = desk.customers["Exact Veertien"].__class__.objects.create(
            full_name=f"Extra {i}", customer_number=f"X{i}", search_name=f"extra {i}"
        )
        contact(customer, when=local(20 + i, 9), team=desk.noord, by=desk.users["anna"], sentiment_end=1)
    losing_touch.losing_touch_checkin_plan(customer=desk.customers["Ander Team"], actor=desk.users["mila"])
    with django_assert_num_queries(4):
        large = losing_touch_page(teams=None, days=14, now=timezone.now())

    assert (len(small.rows), len(large.rows)) == (3, 9)


def test_a_row_escapes_what_people_typed_and_speaks_the_language():
    """followups.rows.losing_touch_row (written in Python since issue 11)."""
    from datetime import UTC, datetime

    from django.utils import translation

    from followups.rows import losing_touch_row
    from tests.factories import CustomerFactory, PromiseFactory, UserFactory

    gone = UserFactory(username="gone", first_name="Old <b>", last_name="Hand", is_active=False)
    promise = PromiseFactory(description='Bel "terug" <script>', owner=gone)
    row = losing_touch.Row(
        kind=losing_touch.PROMISE,
        at=datetime(2001, 6, 1, 8, 0, tzinfo=UTC),
        customer=CustomerFactory(full_name="Jan <i>"),
        team_id=None,
        moment=promise.moment,
        promise=promise,
        handled_by=gone,
        days=15,
    )
    with translation.override("nl"):
        dutch = losing_touch_row(row, next_url="/teams/losing-touch/?a=1&b=2", csrf_token="t0ken")
    with translation.override("en"):
        english = losing_touch_row(row, next_url="/x/", csrf_token="t0ken")

    assert "Promise “Bel &quot;terug&quot; &lt;script&gt;” broken on Fri 1 Jun 2001" in english
    assert "<script>" not in dutch + english and "<i>" not in dutch + english
    assert 'Old &lt;b&gt; Hand <span class="badge text-bg-secondary">inactive</span>' in english
    assert '<td class="text-end">15</td>' in english
    assert 'name="next" value="/teams/losing-touch/?a=1&amp;b=2"' in dutch
    assert 'name="csrfmiddlewaretoken" value="t0ken"' in dutch
    assert ">Plan a check-in<" in english
    with translation.override("nl"):
        assert translation.gettext("Plan a check-in") in dutch and "vr 1 jun 2001" in dutch

"""Keep-informed check-ins on the screens: My day (what was promised, when, the previous updates), the customer
page ("last update to the customer: 4 days ago"), the team board and the digest; constant query counts."""

from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcare.formats import day
from followups import notifications, services
from followups.models import CheckIn, Promise
from tests.factories import ContactMomentFactory, CustomerFactory

AMS = ZoneInfo("Europe/Amsterdam")
EN = {"Accept-Language": "en"}
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def promise_made(customer, user, team, *, when, text="Stuur de reparatiedatum") -> Promise:
    services.contact_log(
        customer=customer, actor=user, occurred_at=when, channel="phone", direction="in", summary="Reparatie",
        team=team, promises=[{"description": text, "owner": user, "due_at": timezone.now() + timedelta(days=20)}],
    )  # fmt: skip
    return Promise.objects.filter(customer=customer, kind="promise").latest("pk")


def update(customer, user, *, when, channel="email"):
    return services.contact_log(
        customer=customer, actor=user, occurred_at=when, channel=channel, direction="out", summary="Stand van zaken"
    )


def _section(html: str, key: str) -> str:
    return unescape(html.partition(f'id="section-{key}"')[2].partition("</section>")[0])


def test_my_day_shows_what_was_promised_when_and_the_previous_updates(client, customer, anna, team):
    promise = promise_made(customer, anna, team, when=at(2026, 11, 16, 10, 0))  # Monday; update due Thursday 19
    update(customer, anna, when=at(2026, 11, 18, 10, 0), channel="email")  # Wednesday: next due Monday 23
    update(customer, anna, when=at(2026, 11, 19, 15, 0), channel="phone")  # Thursday: next due Tuesday 24
    client.force_login(anna)

    html = client.get(reverse("followups:my-day"), headers=EN).content.decode()

    overdue = _section(html, "overdue")
    row = overdue.partition(f'id="checkin-{CheckIn.objects.open().get(promise=promise).pk}"')[2].partition("</li>")[0]
    assert "keep informed" in row
    assert "“Stuur de reparatiedatum”" in row
    assert f"“Stuur de reparatiedatum” (promised {day(date(2026, 11, 16))}, due " in row
    assert f"updates to the customer: {day(date(2026, 11, 19))} (Phone), {day(date(2026, 11, 18))} (E-mail)" in row
    assert f"Due {day(date(2026, 11, 24))}" in row


def test_a_promise_without_any_update_says_so(client, customer, anna, team):
    promise_made(customer, anna, team, when=at(2026, 11, 16, 10, 0))
    client.force_login(anna)

    html = client.get(reverse("followups:my-day"), headers=EN).content.decode()

    assert "no update to the customer yet" in _section(html, "overdue")


def test_my_day_runs_the_same_queries_for_one_or_ten_keep_informed_rows(client, anna, team):
    client.force_login(anna)
    url = reverse("followups:my-day")

    def plant(count):
        for _ in range(count):
            customer = CustomerFactory()
            promise_made(customer, anna, team, when=at(2026, 11, 16, 10, 0))
            update(customer, anna, when=at(2026, 11, 18, 10, 0))

    plant(1)
    client.get(url, headers=EN)
    with CaptureQueriesContext(connection) as one:
        client.get(url, headers=EN)
    plant(9)
    with CaptureQueriesContext(connection) as ten:
        html = client.get(url, headers=EN).content.decode()

    assert len(one.captured_queries) == len(ten.captured_queries) <= 10
    assert _section(html, "overdue").count("updates to the customer:") == 10


def test_show_more_keeps_showing_the_updates(client, anna, team):
    client.force_login(anna)
    for _ in range(26):
        customer = CustomerFactory()
        promise_made(customer, anna, team, when=at(2026, 11, 16, 10, 0))
        update(customer, anna, when=at(2026, 11, 18, 10, 0))
    first = client.get(reverse("followups:my-day"), headers=EN).context["day"].overdue

    more = client.get(
        reverse("followups:my-day"),
        {"section": "overdue", "after": first.next_cursor},
        headers={**EN, "HX-Request": "true"},
    ).content.decode()

    assert "updates to the customer:" in unescape(more)


def test_the_row_swapped_after_a_reschedule_still_says_what_it_is_about(client, customer, anna, team):
    promise = promise_made(customer, anna, team, when=at(2026, 11, 16, 10, 0))
    checkin = CheckIn.objects.open().get(promise=promise)
    client.force_login(anna)
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())

    response = client.post(
        reverse("followups:checkin-reschedule", args=[checkin.pk]),
        {"due_date": monday.isoformat(), "reason": "Klant is op vakantie"},
        headers={**EN, "HX-Request": "true"},
    )

    html = unescape(response.content.decode())
    assert "“Stuur de reparatiedatum”" in html and "no update to the customer yet" in html


def test_the_customer_page_says_when_the_customer_last_had_an_update(client, customer, anna, team):
    now = timezone.localtime()
    promise_made(customer, anna, team, when=now - timedelta(days=6), text="Stuur de offerte")
    update(customer, anna, when=now - timedelta(days=4))
    promise_made(customer, anna, team, when=now - timedelta(hours=1), text="Bel de monteur")  # after the update
    client.force_login(anna)

    html = unescape(client.get(customer.get_absolute_url(), headers=EN).content.decode())

    panel = html.partition('id="customer-followups"')[2]
    offerte = panel.partition("Stuur de offerte")[2].partition("</li>")[0]
    monteur = panel.partition("Bel de monteur")[2].partition("</li>")[0]
    assert "last update to the customer: 4 days ago" in offerte
    assert "no update to the customer yet" in monteur
    assert "keep informed" in panel  # the check-ins list: the next update, and what about
    assert "“Bel de monteur”" in panel


def test_the_customer_page_runs_the_same_queries_with_one_or_many_open_promises(client, anna, team):
    client.force_login(anna)
    few, many = CustomerFactory(), CustomerFactory()
    promise_made(few, anna, team, when=timezone.now() - timedelta(days=2))
    update(few, anna, when=timezone.now() - timedelta(days=1))  # history rows with a predecessor, as `many` has
    for n in range(8):
        promise_made(many, anna, team, when=timezone.now() - timedelta(days=2, minutes=n), text=f"Belofte {n}")
        update(many, anna, when=timezone.now() - timedelta(days=1, minutes=n))

    client.get(few.get_absolute_url(), headers=EN)
    with CaptureQueriesContext(connection) as one:
        client.get(few.get_absolute_url(), headers=EN)
    with CaptureQueriesContext(connection) as eight:
        client.get(many.get_absolute_url(), headers=EN)

    assert len(one.captured_queries) == len(eight.captured_queries)


def test_the_team_board_lists_an_overdue_update_with_its_promise_and_filters_on_the_kind(
    client, customer, anna, lead, team
):
    promise_made(customer, anna, team, when=at(2026, 11, 16, 10, 0))
    client.force_login(lead)
    url = reverse("followups:team-board", args=[team.pk])

    board = unescape(client.get(url, headers=EN).content.decode())
    filtered = client.get(url, {"kind": "update"}, headers=EN).context["board"]

    assert "keep informed" in board and "“Stuur de reparatiedatum”" in board
    assert [c.kind for c in filtered.checkins.object_list] == ["update"]
    assert '<option value="update"' in board


def test_the_digest_says_what_the_update_is_about(customer, anna, team, settings):
    settings.DIGEST_TIME = "00:00"
    settings.LANGUAGE_CODE = "en"
    promise_made(customer, anna, team, when=at(2026, 11, 16, 10, 0))

    notifications.digests_create(now=timezone.now())

    body = anna.notifications.get(kind="digest").body
    assert f"Fenna Bakker: keep informed “Stuur de reparatiedatum”, due {day(date(2026, 11, 19))}" in body


def test_an_update_by_a_colleague_counts_for_the_owners_check_in(client, customer, anna, bram, team):
    promise = promise_made(customer, anna, team, when=timezone.now() - timedelta(hours=2))
    client.force_login(bram)
    url = reverse("followups:contact-log", args=[customer.pk])
    from tests.forms import contact_log_data

    client.post(url, contact_log_data(channel="email", direction="out", summary="Stand van zaken"), headers=EN)

    done = CheckIn.objects.filter(promise=promise, status=CheckIn.Status.DONE).get()
    assert done.done_moment.logged_by == bram
    assert CheckIn.objects.open().get(promise=promise).assignee == anna  # the next one stays with its owner


def test_a_contact_factory_update_is_read_by_the_panel(client, customer, anna, team):
    promise_made(customer, anna, team, when=timezone.now() - timedelta(days=3))
    ContactMomentFactory(customer=customer, logged_by=anna, direction="out", occurred_at=timezone.now())
    client.force_login(anna)

    html = unescape(client.get(customer.get_absolute_url(), headers=EN).content.decode())

    assert "last update to the customer: today" in html

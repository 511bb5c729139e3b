"""Rescheduling a check-in: a weekend or public holiday is named and needs a second yes; the page says where it went.

Also: the answer to a row's action on My day carries the new numbers for the badges.
"""

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from contactcare.formats import day
from followups import services
from followups.models import CheckIn

from ..factories import CheckInFactory, CheckInPolicyFactory, ContactMomentFactory, PromiseFactory, UserFactory

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true", **EN}


def _next_christmas() -> date:
    today = timezone.localdate()
    christmas = date(today.year, 12, 25)
    return christmas if christmas > today else date(today.year + 1, 12, 25)


def _next(weekday: int, after_days: int = 7) -> date:
    """The first `weekday` (0 = Monday) at least `after_days` from today, not a Dutch public holiday."""
    from followups.planning import is_business_day

    day = timezone.localdate() + timedelta(days=after_days)
    while day.weekday() != weekday or (weekday < 5 and not is_business_day(day, "NL")):
        day += timedelta(days=1)
    return day


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", first_name="Anna")


@pytest.fixture
def checkin(anna):
    return CheckInFactory(origin=ContactMomentFactory(logged_by=anna), assignee=anna)


def test_the_planning_names_a_holiday_in_the_users_language_and_a_weekend_by_its_day():
    from followups.planning import non_business_day

    assert non_business_day(date(2026, 12, 25), "NL", "en") == "Christmas Day"
    assert non_business_day(date(2026, 12, 25), "NL", "nl") == "Eerste kerstdag"
    assert non_business_day(date(2026, 7, 21), "BE", "en-gb") == "National Day"
    assert non_business_day(date(2026, 12, 5), "NL", "en") == "Saturday"
    assert non_business_day(date(2026, 12, 2), "NL", "en") is None


def test_a_holiday_is_refused_with_its_name_until_the_user_says_anyway(checkin, anna):
    christmas = _next_christmas()

    with override("en"), pytest.raises(ValidationError) as refused:
        services.checkin_reschedule(checkin=checkin, due=christmas, reason="Klant is dan thuis", actor=anna)

    assert refused.value.error_dict["due_date"][0].code == "non_business_day"
    assert "Christmas Day" in refused.value.messages[0]
    assert CheckIn.objects.get(pk=checkin.pk).due_date == checkin.due_date
    moved = services.checkin_reschedule(
        checkin=checkin, due=christmas, reason="Klant is dan thuis", actor=anna, non_business_day_ok=True
    )
    assert CheckIn.objects.get(pk=moved.pk).due_date == christmas


def test_the_holidays_are_those_of_the_check_ins_policy_country(anna):
    belgian = CheckInPolicyFactory(name="België", holiday_country="BE")
    today = timezone.localdate()
    national_day = next(date(year, 7, 21) for year in range(today.year, today.year + 10) if date(year, 7, 21) > today)
    if national_day.weekday() >= 5:
        pytest.skip("21 July falls on a weekend this year: nothing to tell the calendars apart")
    dutch = CheckInFactory(origin=ContactMomentFactory(logged_by=anna), assignee=anna, kind="3d")
    in_belgium = CheckInFactory(origin=ContactMomentFactory(logged_by=anna), assignee=anna, kind="6w", policy=belgian)

    services.checkin_reschedule(checkin=dutch, due=national_day, reason="Na de vakantie", actor=anna)
    with override("en"), pytest.raises(ValidationError, match="National Day"):
        services.checkin_reschedule(checkin=in_belgium, due=national_day, reason="Na de vakantie", actor=anna)


def test_inline_a_saturday_asks_to_reschedule_anyway_and_the_second_submit_saves(client, checkin, anna):
    client.force_login(anna)
    url = reverse("followups:checkin-reschedule", args=[checkin.pk])
    saturday = _next(5)
    form = {"due_date": saturday.isoformat(), "reason": "Klant werkt doordeweeks"}

    warned = client.post(url, form, headers=HTMX)

    html = warned.content.decode()
    assert "is not a business day (Saturday)" in html
    assert 'type="checkbox" name="anyway"' in html and "Reschedule anyway" in html
    assert CheckIn.objects.get(pk=checkin.pk).due_date == checkin.due_date

    saved = client.post(url, {**form, "anyway": "on"}, headers=HTMX)

    assert saved.headers["HX-Retarget"] == f"#checkin-{checkin.pk}"
    assert CheckIn.objects.get(pk=checkin.pk).due_date == saturday


def test_the_reschedule_page_says_where_the_check_in_went(client, checkin, anna):
    client.force_login(anna)
    wednesday = _next(2)

    response = client.post(
        reverse("followups:checkin-reschedule", args=[checkin.pk]),
        {"due_date": wednesday.isoformat(), "reason": "Klant belt zelf terug", "next": reverse("followups:my-day")},
        headers=EN,
    )

    assert response.status_code == 302 and response.url == reverse("followups:my-day")
    with override("en"):
        expected = f"Check-in moved to {day(wednesday)}."
    assert [str(m) for m in get_messages(response.wsgi_request)] == [expected]


def test_an_action_on_my_day_answers_with_the_new_numbers_for_every_badge(client, anna):
    today = timezone.localdate()
    overdue = [
        CheckInFactory(origin=ContactMomentFactory(logged_by=anna), assignee=anna, due_date=today - timedelta(days=2))
        for _ in range(2)
    ]
    CheckInFactory(origin=ContactMomentFactory(logged_by=anna), assignee=anna, due_date=today)
    PromiseFactory(moment=ContactMomentFactory(logged_by=anna), owner=anna, due_at=timezone.now() - timedelta(hours=1))
    client.force_login(anna)
    my_day = f"http://testserver{reverse('followups:my-day')}"

    response = client.post(
        reverse("followups:checkin-reschedule", args=[overdue[0].pk]),
        {"due_date": _next(2).isoformat(), "reason": "Klant is op vakantie"},
        headers={**HTMX, "HX-Current-URL": my_day},
    )

    html = response.content.decode()
    assert '<span id="count-overdue" hx-swap-oob="innerHTML">1</span>' in html
    assert '<span id="count-today" hx-swap-oob="innerHTML">1</span>' in html
    assert '<span id="count-broken" hx-swap-oob="innerHTML">1</span>' in html
    assert 'id="my-day-count" hx-swap-oob="true"' in html and 'aria-label="3 items">3</span>' in html


def test_away_from_my_day_only_the_top_bar_badge_is_swapped(client, anna):
    promise = PromiseFactory(
        moment=ContactMomentFactory(logged_by=anna), owner=anna, due_at=timezone.now() - timedelta(hours=1)
    )
    client.force_login(anna)

    response = client.post(
        reverse("followups:promise-keep", args=[promise.pk]),
        headers={**HTMX, "HX-Current-URL": f"http://testserver{promise.customer.get_absolute_url()}"},
    )

    html = response.content.decode()
    assert 'id="my-day-count" hx-swap-oob="true"' in html and " hidden></span>" in html  # nothing left: hidden
    assert "count-broken" not in html

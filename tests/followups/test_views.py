"""My day, the customer panel, and the actions on check-ins and promises, as people use them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from contactcare import roles
from followups import notifications
from followups.models import CheckIn, CheckInPolicy, Notification, Promise

from ..dates import business_day_ahead
from ..factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)
from ..forms import contact_log_data

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _today():
    return timezone.localdate()


def test_staff_land_on_my_day(staff_client):
    assert staff_client.get(reverse("home")).url == reverse("followups:my-day")


def test_my_day_lists_overdue_oldest_first_then_today_and_promises_without_any_sweep(staff_client, staff_user):
    mine = {"assignee": staff_user, "origin__logged_by": staff_user}
    older = CheckInFactory(due_date=_today() - timedelta(days=5), **mine)
    newer = CheckInFactory(due_date=_today() - timedelta(days=1), **mine)
    today = CheckInFactory(due_date=_today(), **mine)
    CheckInFactory(due_date=_today() + timedelta(days=1), **mine)  # not yet
    CheckInFactory(due_date=_today() - timedelta(days=1), status=CheckIn.Status.DONE, done_date=_today())  # done
    broken = PromiseFactory(owner=staff_user, due_at=timezone.now() - timedelta(minutes=1))
    later_today = PromiseFactory(owner=staff_user, due_at=timezone.now() + timedelta(seconds=30))

    response = staff_client.get(reverse("followups:my-day"), headers=EN)

    day = response.context["day"]
    assert day.overdue.items == [older, newer]
    assert day.due_today.items == [today]
    assert day.broken.items == [broken]
    assert day.promises_today.items == [later_today]
    html = response.content.decode()
    assert "overdue 5 days" in html
    # the promise's own row in the Broken section, with its badge ("No broken promises." would not do)
    section = html.partition('id="section-broken"')[2].partition("</section>")[0]
    row = section.partition(f'id="promise-{broken.pk}"')[2].partition("</li>")[0]
    assert '<span class="badge text-bg-danger">broken</span>' in row
    assert not Notification.objects.exists()  # derived from due time and status, no sweep needed


def _fill_my_day(user, count):
    team = TeamFactory(members=[user])
    for i in range(count):
        moment = ContactMomentFactory(logged_by=user, team=team, customer=CustomerFactory())
        CheckInFactory(origin=moment, assignee=user, due_date=_today() - timedelta(days=i % 9))
        PromiseFactory(moment=moment, owner=user, due_at=timezone.now() - timedelta(hours=i % 5 + 1))


def test_my_day_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    few_user, many_user = UserFactory(username="few"), UserFactory(username="many")
    _fill_my_day(few_user, 5)
    _fill_my_day(many_user, 500)

    client.force_login(few_user)
    with django_assert_max_num_queries(10) as few:  # 10: the handovers are counted too (issue 13)
        few_day = client.get(reverse("followups:my-day")).context["day"]
    client.force_login(many_user)
    with django_assert_max_num_queries(10) as many:
        many_day = client.get(reverse("followups:my-day")).context["day"]

    assert (few_day.broken.count, len(few_day.broken.items)) == (5, 5)
    assert (many_day.broken.count, len(many_day.broken.items)) == (500, 25)  # the count, and the first page
    assert len(few) == len(many)


# --- My day in pages (issue 11): the first 25 of each section, "Show more" after the last row shown -----------


def _overdue(user, count, *, days_late=3):
    """`count` overdue check-ins of `user`, all due the same day: only the id orders them."""
    return [
        CheckInFactory(assignee=user, origin__logged_by=user, due_date=_today() - timedelta(days=days_late))
        for _ in range(count)
    ]


def _more(client, section, after, **headers):
    return client.get(reverse("followups:my-day"), {"section": section, "after": after}, headers={**EN, **headers})


def test_each_section_shows_its_count_and_its_oldest_25_then_show_more_brings_the_next(staff_client, staff_user):
    # given 60 overdue check-ins: 30 three days late, 30 one day late (ties on the date are ordered by id)
    late = _overdue(staff_user, 30) + _overdue(staff_user, 30, days_late=1)

    first = staff_client.get(reverse("followups:my-day"), headers=EN)
    page = first.context["day"].overdue
    second = _more(staff_client, "overdue", page.next_cursor, **{"HX-Request": "true"})
    third = _more(staff_client, "overdue", second.context["page"].next_cursor, **{"HX-Request": "true"})

    assert page.count == 60
    assert page.items == late[:25]
    html = first.content.decode()
    assert 'id="count-overdue">60</span>' in html
    assert html.count('class="list-group-item checkin-row') == 25
    assert f"section=overdue&amp;after={page.next_cursor}" in html
    # htmx gets only the next rows and the next "Show more", never the page around them
    assert second.context["page"].items == late[25:50]
    assert "<html" not in second.content.decode()
    assert 'id="more-overdue"' in second.content.decode()
    assert third.context["page"].items == late[50:]
    assert third.context["page"].next_cursor is None
    assert 'id="more-overdue"' not in third.content.decode()


def test_show_more_without_javascript_is_the_page_with_that_section_further_on(staff_client, staff_user):
    late = _overdue(staff_user, 27)
    broken = PromiseFactory(owner=staff_user, due_at=timezone.now() - timedelta(hours=1))
    cursor = staff_client.get(reverse("followups:my-day")).context["day"].overdue.next_cursor

    response = _more(staff_client, "overdue", cursor)

    day = response.context["day"]
    assert "<html" in response.content.decode()
    assert day.overdue.items == late[25:]
    assert day.overdue.count == 27
    assert day.broken.items == [broken]  # the other sections start at their beginning
    assert "Back to the oldest" in response.content.decode()


def test_a_page_after_a_promise_cursor_keeps_the_order_of_due_times(staff_client, staff_user):
    now = timezone.now()
    promises = [PromiseFactory(owner=staff_user, due_at=now - timedelta(minutes=100 - i)) for i in range(30)]
    cursor = staff_client.get(reverse("followups:my-day")).context["day"].broken.next_cursor

    response = _more(staff_client, "broken", cursor, **{"HX-Request": "true"})

    assert response.context["page"].items == promises[25:]


def test_show_more_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    few_user, many_user = UserFactory(username="few"), UserFactory(username="many")
    _overdue(few_user, 26)
    _overdue(many_user, 300)
    htmx = {"HX-Request": "true"}

    client.force_login(few_user)
    cursor = client.get(reverse("followups:my-day")).context["day"].overdue.next_cursor
    with django_assert_max_num_queries(6) as few:
        assert len(_more(client, "overdue", cursor, **htmx).context["page"].items) == 1
    client.force_login(many_user)
    cursor = client.get(reverse("followups:my-day")).context["day"].overdue.next_cursor
    with django_assert_max_num_queries(6) as many:
        assert len(_more(client, "overdue", cursor, **htmx).context["page"].items) == 25

    assert len(few) == len(many)


@pytest.mark.parametrize(
    "section,after",
    [
        ("overdue", "garbage"),
        ("overdue", "2026-02-30_1"),  # no such day
        ("overdue", "２０２６-01-01_1"),  # unicode digits
        ("overdue", "2026-01-01_١"),
        ("overdue", "2026-01-01_99999999999999999999"),
        ("overdue", "2026-01-01_1\n"),
        ("overdue", "2026-01-01_1\x00"),
        ("overdue", "x" * 5000),
        ("broken", "2026-01-01_1"),  # a check-in's cursor on a promise section
        ("overdue", "2026-01-01T10:00:00.000000Z_1"),
        ("nonsense", "2026-01-01_1"),
        ("", "2026-01-01_1"),
        ("nonsense", ""),
    ],
)
def test_a_cursor_that_cannot_be_read_is_a_400(staff_client, section, after):
    assert _more(staff_client, section, after).status_code == 400
    assert _more(staff_client, section, after, **{"HX-Request": "true"}).status_code == 400


@pytest.mark.parametrize(
    "section,after",
    [("overdue", "9999-12-31_1"), ("overdue", "0001-01-01_1"), ("broken", "9999-12-31T23:59:59.999999Z_1")],
)
def test_a_cursor_at_the_edge_of_time_is_a_sane_page(staff_client, staff_user, section, after):
    _overdue(staff_user, 2)

    response = _more(staff_client, section, after)

    assert response.status_code == 200
    expected = 2 if after.startswith("0001") else 0
    assert len(response.context["day"].pages[section].items) == expected


def test_the_top_bar_badge_counts_what_is_due(staff_client, staff_user):
    CheckInFactory(assignee=staff_user, due_date=_today())
    PromiseFactory(owner=staff_user, due_at=timezone.now() - timedelta(hours=1))

    html = staff_client.get(reverse("contacts:customer-search"), headers=EN).content.decode()

    assert 'my-day-count" aria-label="2 items">2</span>' in html


def test_call_now_opens_the_log_form_prefilled_and_saving_completes_the_check_in(staff_client, staff_user):
    checkin = CheckInFactory(assignee=staff_user)
    url = reverse("followups:contact-log", args=[checkin.customer_id])

    page = staff_client.get(url, {"checkin": checkin.pk})
    form = page.context["form"]
    assert f'name="checkin" value="{checkin.pk}"' in page.content.decode()
    prefilled = {name: value for name, value in form.initial.items() if name in {"channel", "direction", "checkin"}}
    response = staff_client.post(url, contact_log_data(summary="Nagebeld: alles werkt weer", **prefilled))

    assert (form.initial["direction"], form.initial["channel"], form.initial["checkin"]) == ("out", "phone", checkin.pk)
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.DONE
    assert checkin.done_moment.summary == "Nagebeld: alles werkt weer"


def test_the_log_form_takes_promises_and_shows_planned_check_ins(staff_client, staff_user):
    customer = CustomerFactory()
    due = (timezone.localtime() + timedelta(days=2)).replace(hour=17, minute=0, second=0, microsecond=0)

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(
            summary="Storing gemeld",
            outcome="follow_up",
            promises=[
                {"description": "Bel terug met de datum van de monteur", "due_at": due, "owner": staff_user},
                {"owner": staff_user},  # an added row left empty is ignored
            ],
        ),
        follow=True,
        headers=EN,
    )

    promise = Promise.objects.get()
    assert (promise.description, promise.owner, promise.due_at) == (
        "Bel terug met de datum van de monteur",
        staff_user,
        due,
    )
    html = response.content.decode()
    assert "Check-ins planned: day 3" in html and "week 6" in html
    assert "Promises recorded: 1" in html


def test_a_promise_due_in_the_past_is_a_form_error_and_nothing_is_saved(staff_client, staff_user):
    customer = CustomerFactory()
    past = timezone.now() - timedelta(hours=2)

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(
            summary="Storing gemeld", promises=[{"description": "Bel terug", "due_at": past, "owner": staff_user}]
        ),
        headers=EN,
    )

    assert response.status_code == 200
    assert response.context["promises"].forms[0].errors["due_at"] == ["A promise must be due in the future."]
    assert "Storing gemeld" in response.content.decode()
    assert not customer.contact_moments.exists()


def test_skip_inline_with_htmx_asks_for_a_reason_then_updates_the_row(staff_client, staff_user):
    checkin = CheckInFactory(assignee=staff_user)
    url = reverse("followups:checkin-skip", args=[checkin.pk])
    htmx = {"HX-Request": "true", **EN}

    form = staff_client.get(url, headers=htmx)
    refused = staff_client.post(url, {"reason": ""}, headers=htmx)
    done = staff_client.post(url, {"reason": "Customer on holiday for a month"}, headers=htmx)

    assert "<form" in form.content.decode() and "<html" not in form.content.decode()
    assert "This field is required." in refused.content.decode()
    assert done.headers["HX-Retarget"] == f"#checkin-{checkin.pk}"
    assert "Skipped" in done.content.decode()
    checkin.refresh_from_db()
    assert checkin.skip_reason == "Customer on holiday for a month"


def test_reschedule_without_htmx_is_a_page_and_returns_to_my_day(staff_client, staff_user):
    checkin = CheckInFactory(assignee=staff_user)
    url = reverse("followups:checkin-reschedule", args=[checkin.pk])
    next_week = business_day_ahead(7)

    page = staff_client.get(url, {"next": reverse("followups:my-day")})
    past = staff_client.post(url, {"due_date": (_today() - timedelta(days=1)).isoformat(), "reason": "x"}, headers=EN)
    response = staff_client.post(
        url, {"due_date": next_week.isoformat(), "reason": "Call next week", "next": reverse("followups:my-day")}
    )

    assert page.status_code == 200 and "<html" in page.content.decode()
    assert "Choose today or a later day." in past.content.decode()
    assert response.url == reverse("followups:my-day")
    checkin.refresh_from_db()
    assert checkin.due_date == next_week


def test_keeping_a_promise_is_one_click(staff_client, staff_user):
    promise = PromiseFactory(owner=staff_user)

    response = staff_client.post(
        reverse("followups:promise-keep", args=[promise.pk]), headers={"HX-Request": "true", **EN}
    )

    promise.refresh_from_db()
    assert promise.status == Promise.Status.KEPT
    assert "kept" in response.content.decode()


def test_a_next_parameter_to_another_site_is_ignored(staff_client, staff_user):
    promise = PromiseFactory(owner=staff_user)

    response = staff_client.post(
        reverse("followups:promise-keep", args=[promise.pk]), {"next": "https://evil.example/"}
    )

    assert response.url == promise.customer.get_absolute_url()


def test_the_customer_panel_shows_open_promises_and_upcoming_check_ins(staff_client, django_assert_max_num_queries):
    checkin = CheckInFactory(due_date=_today() + timedelta(days=3))
    PromiseFactory(moment=checkin.origin, description="Stuur de offerte")
    PromiseFactory(moment=checkin.origin, description="Al gedaan", status=Promise.Status.KEPT, kept_at=timezone.now())

    with django_assert_max_num_queries(9):  # + the recent changes: one query per history table
        response = staff_client.get(reverse("followups:customer-panel", args=[checkin.customer_id]), headers=EN)

    html = response.content.decode()
    open_part = html.split("recent-changes")[0]  # the kept promise shows only in the recent changes below
    assert "Stuur de offerte" in open_part and "Al gedaan" not in open_part
    assert "day 3" in html
    assert str(checkin.due_date.year) in html


def test_the_customer_page_has_the_follow_up_slot(staff_client):
    customer = CustomerFactory()

    html = staff_client.get(customer.get_absolute_url()).content.decode()

    assert f'hx-get="{reverse("followups:customer-panel", args=[customer.pk])}"' in html


@pytest.mark.parametrize(
    "offsets,country,field,message",
    [
        ("", "NL", "offsets", "This field is required."),
        ("-3d", "NL", "offsets", "is not an offset"),
        ("3d, 6w", "XX", "holiday_country", "not a country we know"),
    ],
)
def test_bad_policies_are_refused_with_a_form_error(manager_client, offsets, country, field, message):
    response = manager_client.post(
        reverse("followups:policy-create"),
        {"name": "Klachten", "offsets": offsets, "day_type": "business", "holiday_country": country},
        headers=EN,
    )

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not CheckInPolicy.objects.filter(name="Klachten").exists()


def test_managers_edit_policies_without_a_deploy(manager_client):
    response = manager_client.post(
        reverse("followups:policy-create"),
        {
            "name": "Klachten",
            "offsets": "1d,2w",
            "day_type": "calendar",
            "holiday_country": "be",
            "channels": ["email"],
            "is_active": "on",
        },
    )

    policy = CheckInPolicy.objects.get(name="Klachten")
    assert response.status_code == 302
    assert (policy.offsets, policy.holiday_country, policy.channels) == ("1d, 2w", "BE", ["email"])


def test_policies_and_status_are_for_managers(staff_client):
    assert staff_client.get(reverse("followups:policy-list")).status_code == 403
    assert staff_client.get(reverse("followups:policy-create")).status_code == 403
    assert staff_client.get(reverse("followups:status")).status_code == 403


def test_notifications_are_listed_and_marked_read(client):
    promise = PromiseFactory(owner=UserFactory(username="owner"), created_by=UserFactory(username="colleague"))
    notifications.promise_assigned(promise=promise)
    client.force_login(promise.owner)

    first = client.get(reverse("followups:notification-list"), headers=EN)
    second = client.get(reverse("contacts:customer-search"), headers=EN)

    assert escape(promise.customer.full_name) in first.content.decode()  # a name like "van 't Riet" is escaped
    assert "unread-count" not in second.content.decode()


def test_team_leads_do_desk_work_too(client):
    client.force_login(UserFactory(role=roles.TEAM_LEAD))

    assert client.get(reverse("followups:my-day")).status_code == 200


def _notifications_for(user, count):
    for _ in range(count):
        notifications.promise_assigned(promise=PromiseFactory(owner=user))


@pytest.mark.parametrize(
    "url_name,role",
    [
        ("followups:notification-list", roles.STAFF),
        ("followups:status", roles.MANAGER),
        ("followups:policy-list", roles.MANAGER),
    ],
)
def test_the_other_list_pages_run_a_constant_number_of_queries(client, django_assert_max_num_queries, url_name, role):
    user = UserFactory(role=role)
    client.force_login(user)
    url = reverse(url_name)

    _notifications_for(user, 2)
    Notification.objects.update(status="failed")
    with django_assert_max_num_queries(9) as few:  # 9: the Status page also counts webhook deliveries (issue 12)
        assert client.get(url).status_code == 200
    _notifications_for(user, 40)
    Notification.objects.update(status="failed")
    for i in range(5):
        CheckInPolicy.objects.create(name=f"Policy {i}").topics.add(TopicFactory(), TopicFactory())
    with django_assert_max_num_queries(9) as many:
        assert client.get(url).status_code == 200

    assert len(few) == len(many)


def test_managers_land_on_the_weekly_report(manager_client):
    assert manager_client.get(reverse("home")).url == reverse("reports:weekly")


def test_a_manager_sends_a_failed_notification_again(manager_client):
    promise = PromiseFactory(owner=UserFactory(username="owner"), created_by=UserFactory(username="colleague"))
    notifications.promise_assigned(promise=promise)
    Notification.objects.update(status="failed", attempts=5, last_error="SMTPException")

    response = manager_client.post(reverse("followups:notification-retry", args=[Notification.objects.get().pk]))

    notification = Notification.objects.get()
    assert response.url == reverse("followups:status")
    assert (notification.status, notification.attempts) == ("pending", 0)


def test_staff_cannot_resend_notifications(staff_client):
    promise = PromiseFactory()
    notifications.promise_assigned(promise=promise)
    Notification.objects.update(status="failed")

    response = staff_client.post(reverse("followups:notification-retry", args=[Notification.objects.get().pk]))

    assert response.status_code == 403
    assert Notification.objects.get().status == "failed"


def test_call_now_for_a_check_in_someone_else_closed_still_logs_the_call(staff_client, staff_user):
    checkin = CheckInFactory(assignee=staff_user, status=CheckIn.Status.DONE, done_date=_today())

    response = staff_client.post(
        reverse("followups:contact-log", args=[checkin.customer_id]),
        contact_log_data(direction="out", checkin=checkin.pk, summary="Nagebeld"),
        follow=True,
        headers=EN,
    )

    assert "already closed by someone else; the contact is logged" in response.content.decode()
    assert checkin.customer.contact_moments.filter(summary="Nagebeld").exists()

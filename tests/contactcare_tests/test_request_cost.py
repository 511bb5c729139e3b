"""The fixed cost of a request: what every page pays before its own work, and the customer page in one request.

Every full page pays: the session, the user, the user's permissions (ONE
query, not Django's two) and the layout's counts (ONE query). The customer
page renders its follow-up panel itself instead of asking for it in a second
request. Timings are not tested here (`make bench` measures them); query
counts are.
"""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcare import roles
from contacts import panels
from followups import sweeps
from followups.models import Notification, SweepRun
from followups.panels import FOLLOWUP_PANEL
from followups.top_bar import top_bar

from ..factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerDetailFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
ROLES = {"staff": roles.STAFF, "lead": roles.TEAM_LEAD, "manager": roles.MANAGER}
CUSTOMER_PAGE_QUERIES = (
    12  # session, user with permissions, customer, 2 timeline, details, 5 follow-up panel (the fifth:
)
# (the fifth: its handovers, issue 13), top bar


def _full_customer(size, *, owner):
    """A customer with `size` contacts, open promises and check-ins, and a few details."""
    customer = CustomerFactory()
    moments = ContactMomentFactory.create_batch(size, customer=customer, logged_by=owner)
    for number, moment in enumerate(moments):
        PromiseFactory(moment=moment, description=f"Belofte {number}")
        CheckInFactory(origin=moment, kind=f"k{number}", due_date=timezone.localdate() + timedelta(days=number))
    CustomerDetailFactory.create_batch(3, customer=customer)
    return customer


def _queries(client, url):
    client.get(url, headers=EN)  # warm what Django builds once per process (URL resolvers, templates)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=EN)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries], response.content.decode()


# --- The customer page in one request ---------------------------------------------


def test_the_customer_page_shows_promises_and_check_ins_in_its_own_response(staff_client, staff_user):
    checkin = CheckInFactory(origin=ContactMomentFactory(logged_by=staff_user), due_date=timezone.localdate())
    PromiseFactory(moment=checkin.origin, description="Stuur de offerte")

    html = staff_client.get(checkin.customer.get_absolute_url(), headers=EN).content.decode()

    panel = html.split('id="customer-followups"')[1]
    assert "Stuur de offerte" in panel
    assert "day 3" in panel
    assert 'hx-trigger="load"' not in html  # no second request for it


def test_the_panel_keeps_its_own_url_for_an_htmx_refresh(staff_client):
    customer = PromiseFactory(description="Bel terug").customer

    html = staff_client.get(customer.get_absolute_url(), headers=EN).content.decode()
    refreshed = staff_client.get(
        reverse("followups:customer-panel", args=[customer.pk]), headers={**EN, "HX-Request": "true"}
    )

    url = reverse("followups:customer-panel", args=[customer.pk])
    assert f'hx-get="{url}" hx-trigger="customer-panels-refresh from:body"' in html
    assert refreshed.status_code == 200 and "Bel terug" in refreshed.content.decode()
    assert "<html" not in refreshed.content.decode()


def test_the_customer_page_runs_the_same_queries_for_3_or_30_of_everything(staff_client, staff_user):
    few, many = _full_customer(3, owner=staff_user), _full_customer(30, owner=staff_user)

    few_queries, few_html = _queries(staff_client, few.get_absolute_url())
    many_queries, many_html = _queries(staff_client, many.get_absolute_url())

    assert len(few_queries) == len(many_queries) <= CUSTOMER_PAGE_QUERIES
    assert "Belofte 2" in few_html and "Belofte 29" in many_html


def test_a_user_without_follow_up_permissions_gets_the_page_without_the_panel(client):
    reader = UserFactory(role="")
    reader.user_permissions.add(Permission.objects.get(codename="view_customer", content_type__app_label="contacts"))
    customer = PromiseFactory(description="Geheim voor deze gebruiker").customer
    client.force_login(reader)

    page = client.get(customer.get_absolute_url(), headers=EN)
    alone = client.get(reverse("followups:customer-panel", args=[customer.pk]), headers=EN)

    assert page.status_code == 200
    assert "customer-followups" not in page.content.decode()
    assert "Geheim voor deze gebruiker" not in page.content.decode()
    assert alone.status_code == 403


def test_a_registered_panel_is_rendered_with_the_page_in_its_order(staff_client):
    customer = CustomerFactory(full_name="Lotte Visser")
    extra = panels.CustomerPanel(
        name="test-extra",
        template="contacts/_test_panel.html",
        context=lambda *, request, customer: {"greeting": f"Hallo {customer.full_name}"},
        order=1,
    )

    with panels.isolated():
        panels.register(extra)
        rendered = panels.customer_panels(request=_request_for(staff_client), customer=customer)

    assert [panel.name for panel in rendered] == ["test-extra", FOLLOWUP_PANEL.name]
    assert "Hallo Lotte Visser" in rendered[0].html
    assert rendered[0].refresh_url == ""
    assert "test-extra" not in [panel.name for panel in panels.registered()]  # the registry is restored


def _request_for(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    return request


@pytest.fixture(autouse=True)
def _test_panel_template(settings, tmp_path):
    (tmp_path / "contacts").mkdir()
    (tmp_path / "contacts" / "_test_panel.html").write_text("<p>{{ greeting }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]


def test_contacts_never_imports_followups():
    """Dependencies run one way: the panel hook is how followups reaches the customer page."""
    contacts = Path(settings.BASE_DIR) / "contacts"
    for source in contacts.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(name.split(".")[0] in {"followups", "reports"} for name in names), source


# --- Permissions: one query, never kept beyond the request -------------------------


def test_a_users_permissions_are_read_in_one_query_and_kept_for_the_request(django_assert_num_queries):
    user = UserFactory(role=roles.TEAM_LEAD)
    user.user_permissions.add(Permission.objects.get(codename="download_weekly_report"))
    user = get_user_model().objects.get(pk=user.pk)  # fresh, as each request loads it

    with django_assert_num_queries(1):
        assert user.has_perm("followups.view_team_dashboard")  # from the group
        assert user.has_perm("reports.download_weekly_report")  # given to the user
        assert not user.has_perm("followups.add_checkinpolicy")
        assert user.has_perms(["contacts.view_customer", "followups.view_checkin"])


def test_a_request_reads_the_user_and_their_permissions_in_one_statement(client):
    lead = UserFactory(role=roles.TEAM_LEAD)
    lead.user_permissions.add(Permission.objects.get(codename="download_weekly_report"))
    client.force_login(lead)

    with CaptureQueriesContext(connection) as captured:
        request_user = client.get(reverse("followups:team-list")).wsgi_request.user

    sqls = [query["sql"] for query in captured.captured_queries]
    with_user = [sql for sql in sqls if "auth_user" in sql and "auth_permission" in sql]
    assert len(with_user) == 1
    assert not any("auth_permission" in sql for sql in sqls if sql not in with_user)
    assert request_user.pk == lead.pk and request_user.username == lead.username
    assert request_user.date_joined == lead.date_joined and request_user.is_active is True
    assert request_user.get_all_permissions() == get_user_model().objects.get(pk=lead.pk).get_all_permissions()
    assert request_user.has_perm("reports.download_weekly_report")  # given to the user itself


def test_a_deactivated_or_deleted_user_is_signed_out_at_the_next_request(client):
    person = UserFactory(role=roles.STAFF)
    client.force_login(person)
    assert client.get(reverse("followups:my-day")).status_code == 200

    get_user_model().objects.filter(pk=person.pk).update(is_active=False)
    assert client.get(reverse("followups:my-day")).status_code == 302  # to the login page

    client.force_login(UserFactory(role=roles.STAFF))
    get_user_model().objects.filter(pk=client.session["_auth_user_id"]).delete()
    assert client.get(reverse("followups:my-day")).status_code == 302


def test_an_expired_session_is_not_read():
    from django.contrib.sessions.models import Session

    from contactcare.sessions import SessionStore

    live, old = SessionStore(), SessionStore()
    live["who"], old["who"] = "still here", "gone"
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))

    assert SessionStore(live.session_key).load() == {"who": "still here"}
    stale = SessionStore(old.session_key)
    assert stale.load() == {} and stale.session_key is None
    assert SessionStore("no-such-session-key-at-all").load() == {}


def test_a_superuser_and_an_inactive_user_keep_djangos_answers():
    admin = UserFactory(role="", is_superuser=True)
    gone = UserFactory(role=roles.MANAGER, is_active=False)

    assert admin.has_perm("followups.add_checkinpolicy")
    assert "followups.add_checkinpolicy" in admin.get_all_permissions()
    assert not gone.has_perm("contacts.view_customer")
    assert gone.get_all_permissions() == set()


def test_a_role_taken_away_counts_from_the_next_request(client):
    lead = UserFactory(role=roles.TEAM_LEAD)
    client.force_login(lead)
    assert client.get(reverse("followups:team-list")).status_code == 200

    lead.groups.set([Group.objects.get(name=roles.STAFF)])

    assert client.get(reverse("followups:team-list")).status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("screen", ["followups:my-day", "customer", "followups:notification-list"])
def test_every_role_pays_one_permission_query_and_one_layout_query_per_page(client, role, screen):
    user = UserFactory(role=ROLES[role])
    TeamFactory(members=[user])
    client.force_login(user)
    url = CustomerFactory().get_absolute_url() if screen == "customer" else reverse(screen)

    queries, _ = _queries(client, url)

    layout = [sql for sql in queries if "top_bar_" in sql]
    others = [sql for sql in queries if "top_bar_" not in sql]
    assert sum("auth_permission" in sql for sql in queries) == 1
    assert len(layout) == 1  # the badge, the unread notifications and the banner's heartbeat
    assert not any("sweeprun" in sql or "django_migrations" in sql for sql in others)
    assert not any("COUNT" in sql and "read_at" in sql for sql in others)  # no second unread count


def test_an_htmx_partial_pays_no_layout_query(staff_client):
    customer = PromiseFactory().customer

    queries, _ = _queries(staff_client, reverse("followups:customer-panel", args=[customer.pk]))

    assert not any("followups_notification" in sql for sql in queries)


# --- The layout's counts in one query ----------------------------------------------


def test_the_top_bar_reads_badge_notifications_and_heartbeat_in_one_query(staff_user, django_assert_num_queries):
    now, today = timezone.now(), timezone.localdate()
    mine = ContactMomentFactory(logged_by=staff_user)
    CheckInFactory(origin=mine, kind="3d", due_date=today - timedelta(days=2))  # overdue: counted
    CheckInFactory(origin=mine, kind="6w", due_date=today + timedelta(days=3))  # later: not yet
    PromiseFactory(moment=mine, due_at=now - timedelta(hours=1))  # broken: counted
    PromiseFactory(moment=mine, due_at=now + timedelta(days=2))  # later: not yet
    PromiseFactory(due_at=now - timedelta(hours=1))  # someone else's
    Notification.objects.create(recipient=staff_user, kind="promise_broken", subject="Belofte", key="test:1")
    Notification.objects.create(recipient=staff_user, kind="promise_broken", subject="Oud", key="test:2", read_at=now)
    heartbeat = SweepRun.objects.create(name=sweeps.HEARTBEAT, last_finished_at=now - timedelta(minutes=3))

    with django_assert_num_queries(1):
        bar = top_bar(user=staff_user, now=now, heartbeat=sweeps.HEARTBEAT)

    assert (bar.my_day_count, bar.unread_notifications) == (2, 1)
    assert bar.heartbeat_finished_at == heartbeat.last_finished_at
    assert bar.database_created_at is not None
    assert not bar.reminders_delayed(now=now)


def test_the_top_bar_gives_each_person_and_moment_their_own_counts(staff_user):
    """It is compiled once per process (contactcare.prepared): the values of each call must still count."""
    other = UserFactory(role=roles.STAFF)
    now, today = timezone.now(), timezone.localdate()
    CheckInFactory(origin=ContactMomentFactory(logged_by=staff_user), kind="3d", due_date=today)
    CheckInFactory(origin=ContactMomentFactory(logged_by=other), kind="3d", due_date=today + timedelta(days=2))
    Notification.objects.create(recipient=other, kind="promise_broken", subject="Belofte", key="test:1")

    mine = top_bar(user=staff_user, now=now, heartbeat=sweeps.HEARTBEAT)
    theirs_today = top_bar(user=other, now=now, heartbeat=sweeps.HEARTBEAT)
    theirs_later = top_bar(user=other, now=now + timedelta(days=2), heartbeat=sweeps.HEARTBEAT)

    assert (mine.my_day_count, mine.unread_notifications) == (1, 0)
    assert (theirs_today.my_day_count, theirs_today.unread_notifications) == (0, 1)
    assert theirs_later.my_day_count == 1


@pytest.mark.parametrize("minutes_since_heartbeat", [None, 3, 16])
def test_the_banner_follows_the_same_rule_as_the_status_page(staff_user, minutes_since_heartbeat):
    later = timezone.now() + timedelta(minutes=16)  # the database is then older than the threshold
    if minutes_since_heartbeat is not None:
        SweepRun.objects.create(
            name=sweeps.HEARTBEAT, last_finished_at=later - timedelta(minutes=minutes_since_heartbeat)
        )

    bar = top_bar(user=staff_user, now=later, heartbeat=sweeps.HEARTBEAT)

    assert bar.reminders_delayed(now=later) == sweeps.reminders_delayed(now=later)


def test_the_layout_shows_the_badge_and_the_banner_from_that_query(staff_client, staff_user):
    CheckInFactory(origin=ContactMomentFactory(logged_by=staff_user), due_date=timezone.localdate())
    SweepRun.objects.create(name=sweeps.HEARTBEAT, last_finished_at=timezone.now() - timedelta(hours=1))

    html = staff_client.get(reverse("followups:notification-list"), headers=EN).content.decode()

    assert 'id="my-day-count"' in html and ">1</span>" in html
    assert "reminders-delayed" in html


def test_the_badges_count_up_to_a_hundred_and_show_99_plus(staff_client, staff_user, django_assert_num_queries):
    Notification.objects.bulk_create(
        Notification(recipient=staff_user, kind="promise_broken", subject="Belofte", key=f"test:{number}")
        for number in range(101)
    )

    with django_assert_num_queries(1):
        bar = top_bar(user=staff_user, now=timezone.now(), heartbeat=sweeps.HEARTBEAT)
    html = staff_client.get(reverse("followups:notification-list"), headers=EN).content.decode()

    assert bar.unread_notifications == 100  # counted no further
    assert 'unread-count">99+</span>' in html
    assert render_to_string("followups/_my_day_badge.html", {"count": 100}).strip().endswith(">99+</span>")
    assert render_to_string("followups/_my_day_badge.html", {"count": 99}).strip().endswith(">99</span>")


# --- The database connection ------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_each_web_connection_turns_jit_off(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_compose_database_runs_without_jit_and_with_memory_for_the_machine():
    import yaml

    command = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())["services"]["db"]["command"]
    given = dict(part.split("=", 1) for part in command if "=" in part)

    assert given["jit"] == "${PG_JIT:-off}"
    assert {"shared_buffers", "work_mem", "effective_cache_size"} <= given.keys()

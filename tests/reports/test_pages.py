"""The report page, its downloads, who may see what, and what it costs in queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contactcare import roles
from followups.models import Promise
from reports.models import ReportDownload
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory
from .conftest import W45
from .test_figures import EXPECTED_TOTAL

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def lead(db):
    return UserFactory(username="lotte", role=roles.TEAM_LEAD)


def test_staff_get_403_on_team_and_report_pages(staff_client):
    team = TeamFactory()

    for url in (
        reverse("followups:team-list"),
        reverse("followups:team-board", args=[team.pk]),
        reverse("reports:weekly"),
        reverse("reports:weekly-xlsx"),
    ):
        assert staff_client.get(url).status_code == 403, url


def test_a_team_lead_sees_only_their_own_teams(client, lead):
    own, other = TeamFactory(name="Noord", lead=lead), TeamFactory(name="Zuid")
    client.force_login(lead)

    assert client.get(reverse("followups:team-list")).url == reverse("followups:team-board", args=[own.pk])
    assert client.get(reverse("followups:team-board", args=[other.pk])).status_code == 404
    report = client.get(reverse("reports:weekly"), headers=EN)
    assert report.context["report"].scope.team == own  # no "all teams" for a lead
    assert client.get(reverse("reports:weekly"), {"team": other.pk}).status_code == 404


def test_downloads_are_for_managers_only(client, lead):
    TeamFactory(lead=lead)
    client.force_login(lead)

    assert client.get(reverse("reports:weekly-xlsx")).status_code == 403
    assert client.get(reverse("reports:weekly-csv")).status_code == 403
    assert not ReportDownload.objects.exists()


def test_managers_see_every_team_and_the_total(manager_client):
    teams = [TeamFactory(name="Noord"), TeamFactory(name="Zuid")]

    response = manager_client.get(reverse("reports:weekly"), headers=EN)

    assert response.context["report"].scope.team is None
    assert [team for team, _ in response.context["report"].teams] == teams
    assert manager_client.get(reverse("reports:weekly"), {"team": teams[1].pk}).status_code == 200


def test_the_page_shows_the_hand_counted_figures(manager_client, week):
    response = manager_client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)

    html = response.content.decode()
    assert '<tr data-figure="repeat_rate">' in html
    assert 'data-value="40.0">40.0 %</td>' in html
    assert "Week 45 of 2026 (2 Nov – 8 Nov 2026)" in html


def test_the_xlsx_holds_the_same_numbers_as_the_page(manager_client, manager_user, week, settings):
    page = manager_client.get(reverse("reports:weekly"), {"week": W45.label}, headers=EN)
    shown = {figure.key: (current, before) for figure, current, before in page.context["rows"]}

    response = manager_client.get(reverse("reports:weekly-xlsx"), {"week": W45.label}, headers=EN)

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["All teams", "Noord", "Zuid", "Definitions"]
    rows = list(book["All teams"].iter_rows(min_row=3, values_only=True))
    in_file = {key: (current, before) for _, current, before, _, key in rows}
    assert in_file == shown
    assert in_file["repeat_rate"][0] == EXPECTED_TOTAL["repeat_rate"]
    definitions = {row[1]: row[2] for row in book["Definitions"].iter_rows(min_row=2, values_only=True) if len(row) > 2}
    assert "at most 7 days before on the desk's clock" in definitions["repeat"]  # issue 14: local calendar days
    assert ReportDownload.objects.get().format == "xlsx"
    assert ReportDownload.objects.get().user == manager_user


def test_the_csv_streams_the_same_numbers(manager_client, week):
    response = manager_client.get(reverse("reports:weekly-csv"), {"week": W45.label}, headers=EN)

    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:5] == ["Scope", "Figure", "Key", "2026-W45", "2026-W44"]
    total = {row[2]: row[3] for row in rows[1:] if row[0] == "All teams"}
    assert total["contacts"] == "6" and total["repeat_rate"] == "40.0" and total["broken"] == "1"


def test_the_contacts_csv_streams_one_row_per_contact_without_names(manager_client, week):
    response = manager_client.get(reverse("reports:contacts-csv"), {"week": W45.label}, headers=EN)

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 6
    assert sum(row[12] == "Yes" for row in rows[1:]) == 2  # the two repeat contacts
    assert ReportDownload.objects.get().format == "contacts-csv"


def test_no_week_means_last_week(manager_client):
    response = manager_client.get(reverse("reports:weekly"), {"week": ""})

    assert response.context["report"].week == IsoWeek.last_complete(timezone.now())


def _busy_week(contacts):
    team = TeamFactory()
    user = UserFactory()
    for i in range(contacts):
        moment = ContactMomentFactory(
            customer=CustomerFactory(),
            team=team,
            logged_by=user,
            occurred_at=timezone.now() - timedelta(days=7, hours=i % 50),
        )
        PromiseFactory(moment=moment, due_at=timezone.now() - timedelta(days=6, hours=i % 30))
    return team


def test_the_report_page_runs_a_constant_number_of_queries(manager_client, django_assert_max_num_queries):
    _busy_week(3)
    manager_client.get(reverse("reports:weekly"))
    with django_assert_max_num_queries(21) as few:
        manager_client.get(reverse("reports:weekly"))
    _busy_week(300)
    with django_assert_max_num_queries(21) as many:
        manager_client.get(reverse("reports:weekly"))

    assert len(few) == len(many)


def test_the_team_page_runs_a_constant_number_of_queries(client, lead, django_assert_max_num_queries):
    team = _busy_week(3)
    team.lead = lead
    team.save()
    client.force_login(lead)
    url = reverse("followups:team-board", args=[team.pk])
    client.get(url)
    with django_assert_max_num_queries(21) as few:
        client.get(url)
    for _ in range(5):
        team.members.add(UserFactory())
    other = _busy_week(300)
    Promise.objects.filter(team=other).update(team=team)
    with django_assert_max_num_queries(21) as many:
        response = client.get(url)

    assert response.context["board"].promises.paginator.count == 303
    assert len(few) == len(many)

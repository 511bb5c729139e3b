"""Reports and exports read from a replica when there is one; writes and everything else stay on the primary."""

import io

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactcare.db_router import REPLICA, ReplicaRouter, replica_reads, report_db
from contacts.models import ContactMoment
from reports import chafes
from reports.exports import contacts_csv
from reports.models import ReportDownload
from reports.selectors import report_tables, weekly_report

from ..factories import ContactMomentFactory, TeamFactory
from .conftest import NOW, W45, at

# A second alias on the test database, as settings define it when DATABASE_REPLICA_URL is set: a test mirror
# of "default". Declared when this module is collected, before the test databases are set up; the router
# only reads there where the `replica` fixture names it REPORT_DATABASE, so other tests never read from it.
connections.settings.setdefault(REPLICA, {**connections.settings[DEFAULT_DB_ALIAS], "TEST": {"MIRROR": "default"}})
BOTH = [DEFAULT_DB_ALIAS, REPLICA]


@pytest.fixture
def replica(settings):
    """The replica configured, as with DATABASE_REPLICA_URL (a mirror of the test database: tests commit)."""
    settings.REPORT_DATABASE = REPLICA
    return connections[REPLICA]


def test_without_a_replica_reports_read_the_primary():
    with replica_reads():
        assert report_db() == DEFAULT_DB_ALIAS
        assert ReplicaRouter().db_for_read(ContactMoment) == DEFAULT_DB_ALIAS


def test_outside_a_report_the_router_leaves_reads_to_the_primary(replica):
    assert ReplicaRouter().db_for_read(ContactMoment) is None
    assert report_db() == DEFAULT_DB_ALIAS


def test_writes_go_to_the_primary_even_while_reading_for_a_report(replica):
    with replica_reads():
        assert ReplicaRouter().db_for_write(ContactMoment) == DEFAULT_DB_ALIAS
        assert report_db() == REPLICA
    assert not ReplicaRouter().allow_migrate(REPLICA, "contacts")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_weekly_report_and_its_tables_read_only_from_the_replica(replica):
    team = TeamFactory()
    ContactMomentFactory(team=team, occurred_at=at((11, 3), 10))

    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, CaptureQueriesContext(replica) as copy:
        report = weekly_report(week=W45, team=team, now=NOW, teams=[team], with_people=True)
        tables = report_tables(week=W45, now=NOW, teams=[team])

    assert report.current["contacts"] == tables[0][1]["contacts"] == 1
    assert len(copy) >= 8
    assert len(primary) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_contacts_csv_reads_from_the_replica(replica):
    ContactMomentFactory(occurred_at=at((11, 3), 10))

    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, CaptureQueriesContext(replica) as copy:
        rows = list(contacts_csv(W45))

    assert len(rows) >= 2  # the header and the contact
    assert len(copy) >= 1
    assert len(primary) == 0


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_download_is_recorded_on_the_primary_while_its_rows_come_from_the_replica(replica, manager_client):
    ContactMomentFactory(occurred_at=at((11, 3), 10))

    with CaptureQueriesContext(replica) as copy:
        response = manager_client.get(reverse("reports:contacts-csv"), {"week": W45.label})
        body = b"".join(chunk if isinstance(chunk, bytes) else chunk.encode() for chunk in response.streaming_content)

    assert len(io.StringIO(body.decode()).readlines()) == 2
    assert ReportDownload.objects.using(DEFAULT_DB_ALIAS).count() == 1
    assert not any("INSERT" in query["sql"] for query in copy.captured_queries)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_where_it_chafes_and_its_drill_down_read_only_from_the_replica(replica):
    team = TeamFactory()
    ContactMomentFactory(team=team, occurred_at=at((11, 3), 10))

    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, CaptureQueriesContext(replica) as copy:
        figures = chafes.chafes(last=W45, weeks=4, teams=[team.pk], now=NOW)
        contacts, has_next = chafes.chafe_contacts_page(
            page=1, size=50, weeks=[W45], teams=[team.pk], now=NOW, figure="contacts"
        )

    assert figures.topics[0].contacts == len(contacts) == 1
    assert not has_next
    assert len(copy) >= 4
    assert len(primary) == 0

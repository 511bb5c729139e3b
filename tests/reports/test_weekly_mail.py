"""The Monday e-mail: last week's report to every manager, once, with the XLSX attached."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from contactcare import roles
from followups import notifications
from followups.models import Notification
from reports import services

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = (2026, 11, 16)


@pytest.fixture
def managers(db):
    return [
        UserFactory(username="maria", email="maria@example.com", role=roles.MANAGER),
        UserFactory(username="mo", email="mo@example.com", role=roles.MANAGER),
    ]


def test_nothing_goes_out_before_monday_seven(managers):
    assert services.weekly_report_mails_create(now=datetime(*MONDAY, 6, 59, tzinfo=AMS)) == 0
    assert not Notification.objects.exists()


def test_each_manager_gets_last_weeks_report_once(managers, settings):
    settings.LANGUAGE_CODE = "en"
    UserFactory(username="staff-only")  # staff get no report

    first = services.weekly_report_mails_create(now=datetime(*MONDAY, 7, 0, tzinfo=AMS))
    again = services.weekly_report_mails_create(now=datetime(*MONDAY, 7, 15, tzinfo=AMS))
    catch_up = services.weekly_report_mails_create(now=datetime(2026, 11, 18, 9, 0, tzinfo=AMS))

    assert (first, again, catch_up) == (2, 0, 0)
    reports = Notification.objects.filter(kind="weekly_report")
    assert {n.recipient for n in reports} == set(managers)
    assert {n.key for n in reports} == {"report:2026-W46"}


def test_the_mail_has_an_html_summary_and_the_xlsx(managers, settings):
    settings.LANGUAGE_CODE = "en"
    services.weekly_report_mails_create(now=datetime(*MONDAY, 7, 0, tzinfo=AMS))

    notifications.notifications_dispatch(now=timezone.now())

    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject == "ContactCare weekly report 2026-W46"
    html, kind = message.alternatives[0]
    assert kind == "text/html" and "<table" in html
    name, content, _mimetype = message.attachments[0]
    assert name == "contactcare-2026-W46.xlsx"
    book = load_workbook(io.BytesIO(content), read_only=True)
    assert book.sheetnames[0] == "All teams" and book.sheetnames[-1] == "Definitions"


def test_an_inactive_manager_gets_nothing(managers):
    managers[1].is_active = False
    managers[1].save()

    assert services.weekly_report_mails_create(now=datetime(*MONDAY, 8, 0, tzinfo=AMS)) == 1

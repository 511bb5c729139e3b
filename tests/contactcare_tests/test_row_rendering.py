"""Rows of a list share work (issue 11): URLs by id and formatted days are the same text as before."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import timezone, translation

from contactcare.formats import day, when
from contactcare.id_urls import id_url

NAMES = [
    "contacts:customer-detail",
    "followups:contact-log",
    "followups:checkin-reschedule",
    "followups:checkin-skip",
    "followups:promise-keep",
    "followups:promise-cancel",
    "followups:contact-correct",
    "followups:contact-delete",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("pk", [1, 7, 4242, 2**63 - 1])
def test_an_id_url_is_what_reverse_gives(name, pk):
    assert id_url(name, pk) == reverse(name, args=[pk])


def test_an_id_url_follows_the_script_prefix():
    set_script_prefix("/desk/")
    try:
        assert id_url("contacts:customer-detail", 5) == reverse("contacts:customer-detail", args=[5])
        assert id_url("contacts:customer-detail", 5).startswith("/desk/")
    finally:
        clear_script_prefix()
    assert id_url("contacts:customer-detail", 5) == "/customers/5/"


def test_a_remembered_day_is_still_in_the_language_and_zone_asked_for(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    with translation.override("en"):
        english = day(date(2001, 12, 31))
    with translation.override("nl"):
        dutch = day(date(2001, 12, 31))
    assert (english, dutch) == ("Mon 31 Dec 2001", "ma 31 dec 2001")
    moment = datetime(2001, 6, 1, 8, 0, tzinfo=UTC)
    with translation.override("en"):
        assert when(moment) == "Fri 1 Jun 2001 10:00"  # the desk's zone
        with timezone.override(ZoneInfo("UTC")):
            assert when(moment) == "Fri 1 Jun 2001 08:00"  # the same instant, another zone: not the remembered text

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


@pytest.mark.django_db
def test_a_timeline_row_escapes_what_was_typed_and_speaks_the_language(settings):
    """followups.rows.contact_row (the customer timeline's row, written in Python since issue 11)."""
    from contacts.models import ContactMoment
    from followups.rows import contact_row
    from tests.factories import ContactMomentFactory, TeamFactory, TopicFactory, UserFactory

    settings.TIME_ZONE = "Europe/Amsterdam"
    desk = UserFactory(username="desk", first_name="Ann <i>", last_name="de Vries")
    moment = ContactMomentFactory(
        logged_by=desk,
        occurred_at=datetime(2001, 6, 1, 8, 0, tzinfo=UTC),
        summary="<script>x</script>\nsecond & line",
        topic=TopicFactory(name="Factuur <b>"),
        team=TeamFactory(name="Noord & Zuid"),
        is_complaint=True,
        fully_helped=False,
        channel=ContactMoment.Channel.EMAIL,
    )
    moment = ContactMoment.objects.select_related("logged_by", "topic", "team").get(pk=moment.pk)
    with translation.override("nl"):
        dutch = contact_row(moment, user=desk)
    with translation.override("en"):
        english = contact_row(moment, user=desk)

    assert "<script>" not in dutch and "&lt;script&gt;x&lt;/script&gt;<br>second &amp; line" in dutch
    assert "Factuur &lt;b&gt;" in dutch and "Ann &lt;i&gt; de Vries" in dutch and "Noord &amp; Zuid" in dutch
    assert '<time datetime="2001-06-01T10:00:00+02:00">vr 1 jun 2001 10:00</time>' in dutch
    assert ">Klacht</span>" in dutch and "Niet helemaal geholpen" in dutch and ">E-mail</span>" in dutch
    assert ">Complaint</span>" in english and "Not fully helped" in english and "Sentiment: " in english
    assert f'id="contact-{moment.pk}"' in english
    # logged today by the reader (for a day long ago): they may correct it, not delete it
    assert f'href="/contacts/{moment.pk}/correct/"' in english and ">Correct</a>" in english
    assert "Delete…" not in english
    assert "contact-actions" not in contact_row(moment, user=UserFactory(username="other"))

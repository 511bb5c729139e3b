"""Reply-by promises on the screens: the sentence on the log form (at once, on a change, after saving, in both
languages), My day, the team board, the digest, and the managers' settings page."""

import threading
import time
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from contactcare import roles
from followups import notifications, services
from followups.models import DeskSettings, Promise
from followups.replies import reply_sentence
from tests.factories import CustomerFactory, UserFactory
from tests.forms import contact_log_data

AMS = ZoneInfo("Europe/Amsterdam")
EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


@pytest.fixture
def desk(client, anna, team):
    client.force_login(anna)
    return client


def _sentence(html: str) -> str:
    return unescape(html.partition('class="reply-sentence"')[2].partition(">")[2].partition("<")[0])


# --- The sentence --------------------------------------------------------------------


def test_the_sentence_is_written_as_a_dutch_or_english_person_writes_a_date():
    wednesday = at(2026, 11, 25, 10, 12)
    assert reply_sentence(due_at=wednesday, with_time=False, language="en") == (
        "You will hear from us by Wednesday 25 November."
        if timezone.localdate().year == 2026
        else "You will hear from us by Wednesday 25 November 2026."
    )
    nl = reply_sentence(due_at=wednesday, with_time=False, language="nl")
    assert nl.startswith("U hoort uiterlijk woensdag 25 november") and nl.endswith(" van ons.")


def test_a_term_in_hours_says_the_time_too():
    thursday = at(2026, 11, 26, 11, 30)
    assert reply_sentence(due_at=thursday, with_time=True, language="en").startswith(
        "You will hear from us by 11:30 on Thursday 26 November"
    )
    assert reply_sentence(due_at=thursday, with_time=True, language="nl").startswith(
        "U hoort uiterlijk donderdag 26 november"
    )
    assert "om 11:30 van ons." in reply_sentence(due_at=thursday, with_time=True, language="nl")


def test_another_year_is_named():
    sentence = reply_sentence(due_at=at(timezone.localdate().year + 1, 1, 6, 9, 0), with_time=False, language="en")
    assert f"January {timezone.localdate().year + 1}." in sentence


# --- The log form ---------------------------------------------------------------------


def test_the_log_form_shows_the_sentence_at_once_for_an_inbound_email_in_the_customers_language(desk, anna):
    dutch, english = CustomerFactory(language="nl"), CustomerFactory(language="en")
    desk.get(reverse("followups:contact-log", args=[dutch.pk]), headers=EN)  # a desk on e-mail:
    session = desk.session
    session["last_inbound_channel"] = "email"
    session.save()

    for customer, start in ((dutch, "U hoort uiterlijk "), (english, "You will hear from us by ")):
        html = desk.get(reverse("followups:contact-log", args=[customer.pk]), headers=EN).content.decode()
        assert "This contact owes a reply" in html  # the desk's words in the user's language
        assert _sentence(html).startswith(start)  # the customer's words in the customer's language
        assert f'lang="{customer.language}"' in html
        assert 'data-copy="#reply-sentence"' in html


def test_the_log_form_for_a_phone_call_shows_no_sentence_but_the_slot_that_htmx_refreshes(desk, customer):
    html = desk.get(reverse("followups:contact-log", args=[customer.pk]), headers=EN).content.decode()

    assert 'class="reply-sentence"' not in html
    url = reverse("followups:reply-by", args=[customer.pk])
    assert f'hx-get="{url}"' in html
    assert "change from:#id_channel, change from:#id_direction" in html


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"channel": "email", "direction": "in"}, True),
        ({"channel": "letter", "direction": "in"}, True),
        ({"channel": "social", "direction": "in"}, True),
        ({"channel": "email", "direction": "out"}, False),
        ({"channel": "phone", "direction": "in"}, False),
        ({"channel": "chat", "direction": "in"}, False),
    ],
)
def test_the_sentence_follows_the_channel_and_direction(desk, customer, params, shown):
    response = desk.get(reverse("followups:reply-by", args=[customer.pk]), params, headers={**EN, "HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert ('class="reply-sentence"' in html) is shown


def test_the_sentence_counts_from_the_time_typed(desk, customer):
    params = {"channel": "email", "direction": "in", "occurred_at": "2026-11-24T10:12"}
    html = desk.get(reverse("followups:reply-by", args=[customer.pk]), params, headers=EN).content.decode()
    assert "woensdag 25 november" in _sentence(html)  # Fenna Bakker reads Dutch


def test_a_second_email_shows_the_reply_already_owed(desk, customer, anna, team):
    services.contact_log(
        customer=customer, actor=anna, occurred_at=timezone.now() - timedelta(hours=1), channel="email",
        direction="in", summary="Eerste mail", team=team,
    )  # fmt: skip
    owed = Promise.objects.replies().get()
    params = {"channel": "letter", "direction": "in", "team": str(team.pk)}

    html = desk.get(reverse("followups:reply-by", args=[customer.pk]), params, headers=EN).content.decode()

    assert "A reply is owed already" in html
    assert _sentence(html) == reply_sentence(due_at=owed.due_at, with_time=False, language="nl")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"channel": "fax", "direction": "in"},
        {"channel": "email", "direction": "sideways"},
        {"channel": "email", "direction": "in", "occurred_at": "0001-01-01T00:00"},
        {"channel": "email", "direction": "in", "occurred_at": "9999-12-31T23:59"},
        {"channel": "email", "direction": "in", "occurred_at": "x" * 5000},
        {"channel": "email", "direction": "in", "team": "99999999999999999999999"},
        {"channel": "email\x00", "direction": "in"},
    ],
)
def test_unreadable_values_show_no_sentence_and_never_a_server_error(desk, customer, params):
    response = desk.get(reverse("followups:reply-by", args=[customer.pk]), params, headers=EN)
    assert response.status_code in (200, 400)
    assert 'class="reply-sentence"' not in response.content.decode()


def test_saving_shows_the_sentence_again_with_a_copy_button(desk, customer, team):
    data = contact_log_data(channel="email", direction="in", team=str(team.pk))

    response = desk.post(reverse("followups:contact-log", args=[customer.pk]), data, follow=True, headers=EN)

    html = response.content.decode()
    assert "Contact logged." in html
    assert "Tell the customer in the acknowledgement:" in html
    promise = Promise.objects.replies().get(customer=customer)
    assert _sentence(html) == reply_sentence(due_at=promise.due_at, with_time=False, language="nl")
    assert 'data-copy="#reply-sentence-' in html


def test_saving_a_phone_call_shows_no_sentence(desk, customer, team):
    data = contact_log_data(channel="phone", direction="in", team=str(team.pk))
    html = desk.post(
        reverse("followups:contact-log", args=[customer.pk]), data, follow=True, headers=EN
    ).content.decode()
    assert "Tell the customer in the acknowledgement:" not in html


def test_the_log_form_in_dutch(client, customer):
    english_customer = CustomerFactory(language="en")
    user = UserFactory(username="rp-nl")
    client.force_login(user)
    params = {"channel": "email", "direction": "in"}

    html = client.get(reverse("followups:reply-by", args=[english_customer.pk]), params, headers=NL).content.decode()

    assert "Dit contact vraagt om een antwoord" in html  # the desk's Dutch
    assert _sentence(html).startswith("You will hear from us by ")  # the customer's English
    assert "Kopiëren" in html


# --- My day, the team board, the digest -------------------------------------------------


def test_my_day_shows_a_reply_due_today_as_a_promise_labelled_reply(desk, customer, anna, team):
    promise = services.contact_log(
        customer=customer, actor=anna, occurred_at=timezone.now() - timedelta(minutes=5), channel="social",
        direction="in", summary="DM", team=team,
    ).promises.get()  # fmt: skip
    Promise.objects.filter(pk=promise.pk).update(due_at=timezone.now() + timedelta(minutes=30))  # due today

    html = desk.get(reverse("followups:my-day"), headers=EN).content.decode()

    section = html.partition('id="section-promises-today"')[2].partition("</section>")[0]
    assert "Reply by" in section and "Fenna Bakker" in section
    assert "Antwoord op het bericht via sociale media" in unescape(section)  # stored in the desk's language
    assert "received" in section


def test_a_broken_reply_is_on_my_day_and_the_team_board(client, customer, anna, lead, team):
    services.contact_log(
        customer=customer, actor=anna, occurred_at=at(2026, 11, 24, 10, 12), channel="email", direction="in",
        summary="Vraag", team=team,
    )  # fmt: skip
    client.force_login(anna)
    my_day = client.get(reverse("followups:my-day"), headers=EN).content.decode()
    client.force_login(lead)
    board = client.get(reverse("followups:team-board", args=[team.pk]), headers=EN).content.decode()

    broken = my_day.partition('id="section-broken"')[2].partition("</section>")[0]
    assert "Reply by" in broken and "Fenna Bakker" in broken
    assert "Reply by" in board and "Antwoord op de e-mail" in board


def test_the_digest_lists_a_reply_with_when_the_message_came(customer, anna, team, settings):
    settings.DIGEST_TIME = "00:00"
    settings.LANGUAGE_CODE = "en"  # the desk's language: stored texts and digests
    services.contact_log(
        customer=customer, actor=anna, occurred_at=at(2026, 11, 24, 10, 12), channel="email", direction="in",
        summary="Vraag", team=team,
    )  # fmt: skip

    notifications.digests_create(now=timezone.now())

    digest = anna.notifications.get(kind="digest")
    assert "Fenna Bakker: Reply to the e-mail (received " in digest.body


# --- The settings page ------------------------------------------------------------------


def test_a_manager_sets_terms_opening_hours_and_the_cadence(client):
    manager = UserFactory(username="rp-manager", role=roles.MANAGER)
    client.force_login(manager)
    url = reverse("followups:desk-settings")

    shown = client.get(url, headers=EN).content.decode()
    assert 'name="reply_email" id="id_reply_email" value="1d"' in shown  # the defaults
    assert 'name="reply_social" id="id_reply_social" value="4h"' in shown
    data = {"opening_hours": "08:30-16:30", "keep_informed_days": "5", "reply_email": "2d", "reply_letter": "5d"}
    response = client.post(url, data, headers=EN)

    assert response.status_code == 302
    row = DeskSettings.objects.get()
    assert (row.opening_hours, row.reply_terms, row.keep_informed_days) == (
        "08:30-16:30",
        {"email": "2d", "letter": "5d"},
        5,
    )
    assert row.history.get().history_user == manager


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("opening_hours", "17:00-09:00", "Write the opening hours as 09:00-17:00"),
        ("opening_hours", "x" * 5000, "Write the opening hours as 09:00-17:00"),
        ("reply_email", "soon", "is not a reply term"),
        ("reply_letter", "999d", "A reply term runs from 1 to"),
        ("reply_chat", "a\x00b", "is not a reply term"),
        ("keep_informed_days", "61", "Choose 1 to 60 business days"),
    ],
)
def test_a_value_that_cannot_be_is_refused_next_to_its_field_and_nothing_is_saved(client, field, value, message):
    client.force_login(UserFactory(username="rp-manager", role=roles.MANAGER))
    data = {"opening_hours": "", "keep_informed_days": "3", "reply_email": "1d", field: value}

    response = client.post(reverse("followups:desk-settings"), data, headers=EN)

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert message in unescape(response.content.decode())
    assert not DeskSettings.objects.exists()


def test_staff_may_not_change_the_settings(desk):
    assert desk.get(reverse("followups:desk-settings")).status_code == 403
    assert desk.post(reverse("followups:desk-settings"), {"keep_informed_days": "0"}).status_code == 403
    assert not DeskSettings.objects.exists()


def test_a_long_paste_in_a_term_is_refused_without_echoing_it_whole(client):
    client.force_login(UserFactory(username="rp-manager", role=roles.MANAGER))

    response = client.post(reverse("followups:desk-settings"), {"reply_email": "x" * 5000}, headers=EN)

    html = unescape(response.content.decode())
    assert "“xxxxxxxxxxxxxxxxxxxx…” is not a reply term" in html
    assert "x" * 100 not in html.replace('value="' + "x" * 5000, "")  # only the field itself keeps what was typed
    assert not DeskSettings.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time anyway")
def test_two_managers_saving_the_first_settings_at_once_both_succeed():
    managers = [UserFactory(username=f"rp-race-{n}", role=roles.MANAGER) for n in range(2)]
    inside, errors = threading.Event(), []

    def save(manager, days, *, first):
        try:
            with transaction.atomic():
                if not first:
                    inside.wait(timeout=10)
                services.desk_settings_save(actor=manager, opening_hours="", reply_terms={}, keep_informed_days=days)
                if first:
                    inside.set()
                    time.sleep(0.4)  # the first row still uncommitted while the second manager saves
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(m, n + 2), kwargs={"first": n == 0}) for n, m in enumerate(managers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert DeskSettings.objects.get().keep_informed_days == 3  # the second save, made after the first

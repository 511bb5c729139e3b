"""Who sees which card, the "Say you see it" page, and the one-click thank-you note (counted in conftest.py)."""

from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from coaching.models import ThankYouNote
from coaching.services import thank_you_send
from contactcare.models import Notification
from followups.privacy import customer_erase
from reports.weeks import IsoWeek

from .conftest import NOW

pytestmark = pytest.mark.django_db
W45 = IsoWeek(2026, 45)


@pytest.fixture(autouse=True)
def _now():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def _client(desk, name):
    client = Client()
    client.cookies["django_language"] = "en"  # the texts below are English
    if name != "anonymous":
        client.force_login(desk.users[name])
    return client


# --- Permissions: every coaching URL × every kind of actor ----------------------

ACTORS = ["anna", "dirk", "lies", "lex", "mila", "anonymous"]


@pytest.mark.parametrize(
    ("actor", "status"),
    [("anna", 403), ("dirk", 403), ("lies", 200), ("lex", 404), ("mila", 200), ("anonymous", 302)],
)
def test_noords_cards_are_for_its_lead_and_managers(desk, actor, status):
    response = _client(desk, actor).get(reverse("coaching:cards"), {"team": desk.north.pk})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("actor", "status"),
    [("anna", 403), ("dirk", 403), ("lies", 200), ("lex", 404), ("mila", 200), ("anonymous", 302)],
)
def test_say_you_see_it_is_for_the_lead_and_managers(desk, actor, status):
    response = _client(desk, actor).get(reverse("coaching:say-you-see-it"), {"team": desk.north.pk})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("actor", "status"),
    [("anna", 200), ("dirk", 404), ("lies", 200), ("lex", 404), ("mila", 200), ("anonymous", 302)],
)
def test_the_items_behind_annas_card_are_hers_her_leads_and_managers(desk, actor, status):
    url = reverse("coaching:card-items", args=[desk.users["anna"].pk])
    response = _client(desk, actor).get(url, {"team": desk.north.pk, "figure": "compliments", "weeks": "12"})
    assert response.status_code == status
    if status == 200:
        assert response.context["page"].paginator.count == 2  # weeks 40 and 45, not her Zuid one


@pytest.mark.parametrize(
    ("actor", "status", "notes"),
    [
        ("anna", 403, 0),
        ("dirk", 403, 0),
        ("lies", 302, 1),
        ("lex", 404, 0),
        ("mila", 302, 1),
        ("anonymous", 302, 0),
    ],
)
def test_only_the_lead_and_managers_may_thank_a_noord_person(desk, actor, status, notes):
    url = reverse("coaching:thank-you", args=[desk.users["anna"].pk])
    response = _client(desk, actor).post(url, {"team": desk.north.pk, "text": "Dank je!"})
    assert response.status_code == status
    assert ThankYouNote.objects.count() == notes


def test_a_lead_cannot_thank_someone_outside_the_team_they_name(desk):
    # Dirk is in Zuid: naming Noord does not make him Lies's to thank
    url = reverse("coaching:thank-you", args=[desk.users["dirk"].pk])
    response = _client(desk, "lies").post(url, {"team": desk.north.pk, "text": "Dank je!"})
    assert response.status_code == 404
    assert not ThankYouNote.objects.exists()


def test_staff_see_their_own_card_and_no_one_elses(desk):
    response = _client(desk, "anna").get(reverse("coaching:my-card"))
    assert response.status_code == 200
    assert [card.person.username for card in response.context["cards"].cards] == ["anna"]
    other = reverse("coaching:card-items", args=[desk.users["bram"].pk])
    assert _client(desk, "anna").get(other, {"figure": "compliments"}).status_code == 404


def test_a_get_cannot_send_a_note(desk):
    url = reverse("coaching:thank-you", args=[desk.users["anna"].pk])
    assert _client(desk, "lies").get(url).status_code == 405


# --- The pages ------------------------------------------------------------------


def test_the_cards_page_is_alphabetical_without_ranks(desk):
    client = _client(desk, "lies")
    response = client.get(reverse("coaching:cards"))
    names = [card.person.username for card in response.context["cards"].cards]
    assert names == ["anna", "bram", "cees"]
    html = response.content.decode()
    assert html.index("Anna Aalders") < html.index("Bram Bakker") < html.index("Cees Claassen")
    cards = html[html.index('class="row row-cols-1') : html.index("definitions")].lower()  # not the search's help
    for word in ("best", "worst", "#1", "ranked", "top 3"):
        assert word not in cards


def test_say_you_see_it_counts_last_weeks_compliments_and_turnarounds(desk):
    response = _client(desk, "lies").get(reverse("coaching:say-you-see-it"))
    rows = {row.person.username: (row.compliments, row.turned_around) for row in response.context["people"]}
    assert rows == {"anna": (1, 1), "bram": (0, 0), "cees": (0, 0)}  # Bram's 1 → 5 is this week, not last
    assert [c.pk for c in response.context["page"]] == [desk.contacts["anna_w45"].pk]


def test_one_click_sends_one_note_even_when_clicked_twice(desk, django_capture_on_commit_callbacks):
    client, anna = _client(desk, "lies"), desk.users["anna"]
    url = reverse("coaching:thank-you", args=[anna.pk])
    with django_capture_on_commit_callbacks():
        first = client.post(url, {"team": desk.north.pk, "text": "Mooi werk, Anna."})
        second = client.post(url, {"team": desk.north.pk, "text": "Mooi werk, Anna."})
    assert first.status_code == second.status_code == 302
    note = ThankYouNote.objects.get()
    assert (note.sender, note.recipient, note.week, note.text) == (
        desk.users["lies"],
        anna,
        W45.monday,
        "Mooi werk, Anna.",
    )
    assert (note.compliments, note.turned_around) == (1, 1)
    assert list(note.contacts.all()) == [desk.contacts["anna_w45"]]
    told = Notification.objects.filter(kind=Notification.Kind.THANK_YOU, recipient=anna)
    assert told.count() == 1 and "Mooi werk, Anna." in told.get().body


def test_an_empty_text_sends_the_kind_words_in_the_leads_language(desk):
    with translation.override("en"):
        note, created = thank_you_send(
            actor=desk.users["lies"], recipient=desk.users["anna"], team=desk.north, week=W45
        )
    assert created and note.text.startswith("Thank you, Anna.")
    with translation.override("nl"):
        other, _ = thank_you_send(actor=desk.users["mila"], recipient=desk.users["anna"], team=desk.north, week=W45)
    assert other.text.startswith("Dank je wel, Anna.")


def test_a_note_that_names_the_customer_is_refused_with_a_message(desk):
    customer = desk.contacts["anna_w45"].customer
    url = reverse("coaching:thank-you", args=[desk.users["anna"].pk])
    response = _client(desk, "lies").post(url, {"team": desk.north.pk, "text": f"{customer.full_name} was blij"})
    assert response.status_code == 400
    assert "name out" in response.content.decode()
    assert not ThankYouNote.objects.exists()


@pytest.mark.parametrize("text", ["x" * 501, "a\x00b"])
def test_a_hostile_text_is_a_form_error_never_cut(desk, text):
    url = reverse("coaching:thank-you", args=[desk.users["anna"].pk])
    response = _client(desk, "lies").post(url, {"team": desk.north.pk, "text": text})
    assert response.status_code == 400
    assert not ThankYouNote.objects.exists()


def test_the_note_shows_on_my_day_until_it_is_dismissed(desk):
    thank_you_send(actor=desk.users["lies"], recipient=desk.users["anna"], team=desk.north, week=W45, text="Top!")
    client = _client(desk, "anna")
    my_day = client.get(reverse("followups:my-day")).content.decode()
    assert reverse("coaching:my-notes") in my_day and reverse("coaching:my-card") in my_day
    card = client.get(reverse("coaching:my-notes")).content.decode()
    assert "Lies Lely thanked you for week 2026-W45" in card and "Top!" in card
    note = ThankYouNote.objects.get()
    # nobody else can dismiss it
    assert _client(desk, "bram").post(reverse("coaching:note-seen", args=[note.pk])).status_code == 404
    assert client.post(reverse("coaching:note-seen", args=[note.pk]), HTTP_HX_REQUEST="true").status_code == 200
    assert ThankYouNote.objects.get().seen_at == NOW
    assert "Top!" not in client.get(reverse("coaching:my-notes")).content.decode()


def test_erasing_the_customer_unlinks_the_note_and_takes_their_name_out(desk):
    customer = desk.contacts["anna_w45"].customer
    note, _ = thank_you_send(actor=desk.users["lies"], recipient=desk.users["anna"], team=desk.north, week=W45)
    # a name that came into the text later (the customer renamed, or typed before the check)
    ThankYouNote.objects.filter(pk=note.pk).update(text=f"Goed gedaan.\nMet {customer.full_name} vooral!")
    customer_erase(customer=customer, actor=desk.users["mila"], reason="AVG-verzoek 12")
    note.refresh_from_db()
    assert list(note.contacts.all()) == []
    assert customer.full_name not in note.text and note.text.startswith("Goed gedaan.\n")
    assert (note.compliments, note.turned_around) == (1, 1)  # the note stays, with its anonymous counts
    assert timezone.is_aware(note.created_at)


@pytest.mark.parametrize("url_name", ["coaching:cards", "coaching:say-you-see-it"])
def test_the_pages_cost_the_same_queries_for_a_bigger_team(desk, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import ContactMomentFactory, CustomerFactory, UserFactory
    from .conftest import at

    client = _client(desk, "lies")
    client.get(reverse(url_name))  # sessions, permissions: warmed up
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(url_name))
    for n in range(3):
        person = UserFactory(username=f"extra{n}")
        desk.north.members.add(person)
        ContactMomentFactory(
            customer=CustomerFactory(), logged_by=person, team=desk.north, occurred_at=at(11, 5), is_compliment=True
        )
    with CaptureQueriesContext(connection) as large:
        client.get(reverse(url_name))
    assert len(large) == len(small)


def test_there_is_no_note_about_nothing(desk):
    # Bram had no compliment and no turn-around in week 45 (his 1 → 5 is in week 46)
    url = reverse("coaching:thank-you", args=[desk.users["bram"].pk])
    response = _client(desk, "lies").post(url, {"team": desk.north.pk, "text": "Dank je!"})
    assert response.status_code == 400
    assert "no compliments or turned-around contacts" in response.content.decode()
    assert not ThankYouNote.objects.exists()


def test_a_thank_you_from_a_lead_with_a_very_long_name_is_sent_with_its_subject_shortened_visibly(desk):
    lies = desk.users["lies"]
    lies.first_name, lies.last_name = "L" * 150, "Lely" * 37  # 298 characters: the longest names Django takes
    lies.save()

    thank_you_send(actor=lies, recipient=desk.users["anna"], team=desk.north, week=W45, text="Top!")

    notice = Notification.objects.get(kind=Notification.Kind.THANK_YOU)
    assert len(notice.subject) == 200 and notice.subject.endswith("…")  # the field's length, shortened, not cut
    assert "Top!" in notice.body

"""Handovers on the screens: *Hand over…* on the customer page, My day's section with Accept / Pass on, the team
board, the customer panel's chain, the top bar's badge."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from contactcare.models import Notification
from followups import handovers
from followups.models import CheckIn, Handover, Promise
from followups.top_bar import top_bar
from tests.factories import CustomerFactory

from .conftest import NOTE, hand_over

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
NL = {"Accept-Language": "nl"}
HTMX = {"HX-Request": "true", **EN}


def _hidden_fields(html: str) -> dict:
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            found[name.group(1)] = unescape(value.group(1)) if value else ""
    return found


def _section(html: str, key: str) -> str:
    return html.partition(f'id="section-{key}"')[2].partition("</section>")[0]


# --- Hand over… from the customer page ----------------------------------------------------


def test_the_customer_page_offers_hand_over(client, desk):
    client.force_login(desk.anna)
    html = client.get(desk.customer.get_absolute_url(), headers=EN).content.decode()
    assert reverse("followups:customer-handover", args=[desk.customer.pk]) in html
    assert "Hand over…" in html


def test_handing_over_from_the_customer_page(client, desk):
    client.force_login(desk.anna)
    url = reverse("followups:customer-handover", args=[desk.customer.pk])
    page = client.get(url, headers=EN)
    html = page.content.decode()
    assert f'value="team:{desk.zuid.pk}"' in html and f'value="user:{desk.chris.pk}"' in html
    assert f'value="user:{desk.anna.pk}"' not in html  # not to oneself

    response = client.post(url, _hidden_fields(html) | {"to": f"team:{desk.zuid.pk}", "note": NOTE}, headers=EN)

    assert response.status_code == 302 and response.url == desk.customer.get_absolute_url()
    handover = Handover.objects.get()
    assert (handover.to_team, handover.note, handover.from_user) == (desk.zuid, NOTE, desk.anna)
    shown = client.get(response.url, headers=EN).content.decode()
    assert "Fenna Bakker is handed over to Team Zuid, who sees your note at the top of My day." in unescape(shown)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"note": ""}, "note", "This field is required."),
        ({"note": "x" * 5000}, "note", "Keep the note to 1000 characters (it has 5000)."),
        ({"note": " \t\r\n "}, "note", "This field is required."),
        ({"to": "user:999999999"}, "to", "Select a valid choice."),
        ({"to": "team:²"}, "to", "Select a valid choice."),
        ({"to": ""}, "to", "This field is required."),
    ],
)
def test_a_refused_handover_says_why_next_to_the_field_and_keeps_what_was_typed(client, desk, data, field, message):
    client.force_login(desk.anna)
    url = reverse("followups:customer-handover", args=[desk.customer.pk])
    form = {"to": f"team:{desk.zuid.pk}", "note": NOTE} | data

    response = client.post(url, form, headers=EN)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in unescape(response.content.decode())
    assert not Handover.objects.exists()


def test_a_note_with_nul_bytes_is_refused_before_anything_is_saved(client, desk):
    client.force_login(desk.anna)
    url = reverse("followups:customer-handover", args=[desk.customer.pk])

    response = client.post(url, {"to": f"team:{desk.zuid.pk}", "note": "a\x00b"}, headers=EN)

    assert response.status_code == 400  # as every form: NUL bytes are refused at the door
    assert not Handover.objects.exists()


def test_a_double_click_on_hand_over_saves_once(client, desk):
    client.force_login(desk.anna)
    url = reverse("followups:customer-handover", args=[desk.customer.pk])
    data = _hidden_fields(client.get(url).content.decode()) | {"to": f"user:{desk.chris.pk}", "note": NOTE}

    first, second = client.post(url, data, headers=EN), client.post(url, data, headers=EN)

    assert first.status_code == second.status_code == 302
    assert Handover.objects.count() == 1
    assert "already saved" in client.get(second.url, headers=EN).content.decode()


def test_handing_over_a_merged_customer_lands_on_the_one_that_stays(client, desk):
    from followups.merge import customers_merge

    other = CustomerFactory()
    customers_merge(survivor=desk.customer, absorbed=other, values={}, actor=desk.lotte)
    client.force_login(desk.anna)

    response = client.post(
        reverse("followups:customer-handover", args=[other.pk]), {"to": f"team:{desk.zuid.pk}", "note": NOTE}
    )

    assert response.status_code == 302 and str(desk.customer.pk) in response.url
    assert not Handover.objects.exists()


# --- My day ---------------------------------------------------------------------------------


def test_my_day_shows_the_handover_on_top_with_the_note_and_accept_and_pass_on(client, desk):
    handover = hand_over(desk)

    client.force_login(desk.chris)
    response = client.get(reverse("followups:my-day"), headers=EN)

    html = response.content.decode()
    assert html.index('id="section-handovers"') < html.index('id="section-overdue"')  # at the top
    section = _section(html, "handovers")
    assert "Handed over to you" in html
    assert "Fenna Bakker" in section and "Anna de Vries → Team Zuid" in section
    assert NOTE in unescape(section)
    assert reverse("followups:handover-accept", args=[handover.pk]) in section
    assert reverse("followups:handover-pass-on", args=[handover.pk]) in section
    assert response.context["day"].handovers.count == 1


def test_my_day_says_you_for_a_handover_to_oneself_and_marks_one_waiting_too_long(client, desk):
    hand_over(desk, to=desk.chris, now=timezone.now() - timedelta(days=7))

    client.force_login(desk.chris)
    section = _section(client.get(reverse("followups:my-day"), headers=EN).content.decode(), "handovers")

    assert "Anna de Vries → you" in section
    assert "waiting too long" in section


def test_who_sees_a_handover_on_my_day(client, desk):
    hand_over(desk)  # to Team Zuid: its members and its lead
    for user, count in ((desk.chris, 1), (desk.dewi, 1), (desk.sem, 1), (desk.anna, 0), (desk.lotte, 0)):
        client.force_login(user)
        assert client.get(reverse("followups:my-day")).context["day"].handovers.count == count, user


def test_the_top_bar_counts_a_handover_to_you_not_one_to_your_team(desk):
    hand_over(desk)
    assert top_bar(user=desk.chris, now=timezone.now(), heartbeat="x").my_day_count == 0
    hand_over(desk, to=desk.chris, customer=CustomerFactory())
    assert top_bar(user=desk.chris, now=timezone.now(), heartbeat="x").my_day_count == 1


def test_accepting_inline_on_my_day_takes_the_ticked_items_and_updates_the_row(client, desk):
    handover = hand_over(desk)
    client.force_login(desk.chris)
    url = reverse("followups:handover-accept", args=[handover.pk])

    form = client.get(url, {"next": reverse("followups:my-day")}, headers=HTMX)
    html = form.content.decode()
    assert "<html" not in html and "Refund the double charge" in html and "day 3" in html
    assert html.count("checked") == 2  # every open item ticked at first

    done = client.post(
        url,
        {"promises": [desk.promise.pk], "next": reverse("followups:my-day")},
        headers={**HTMX, "HX-Current-URL": "http://testserver" + reverse("followups:my-day")},
    )

    assert done.headers["HX-Retarget"] == f"#handover-{handover.pk}"
    row = done.content.decode()
    assert "accepted by Chris Jansen" in row
    assert 'id="count-handovers" hx-swap-oob="innerHTML">0<' in row  # My day's number follows
    assert Promise.objects.get(pk=desk.promise.pk).owner == desk.chris
    assert CheckIn.objects.get(pk=desk.checkin.pk).assignee == desk.anna  # not ticked: stays with Anna


def test_accepting_without_javascript_is_a_page_of_its_own(client, desk):
    handover = hand_over(desk)
    client.force_login(desk.dewi)
    url = reverse("followups:handover-accept", args=[handover.pk])

    page = client.get(url, {"next": reverse("followups:my-day")}, headers=EN)
    response = client.post(
        url,
        {"checkins": [desk.checkin.pk], "promises": [desk.promise.pk], "next": reverse("followups:my-day")},
        headers=EN,
    )

    assert "<html" in page.content.decode() and NOTE in unescape(page.content.decode())
    assert response.status_code == 302 and response.url == reverse("followups:my-day")
    assert CheckIn.objects.get(pk=desk.checkin.pk).assignee == desk.dewi
    assert (
        "You accepted Fenna Bakker: 2 open items are yours now."
        in client.get(response.url, headers=EN).content.decode()
    )


def test_the_second_to_accept_is_told_who_was_first(client, desk):
    handover = hand_over(desk)
    handovers.handover_accept(handover=handover, actor=desk.chris)
    client.force_login(desk.dewi)

    response = client.post(reverse("followups:handover-accept", args=[handover.pk]), {}, headers=EN)
    inline = client.post(reverse("followups:handover-accept", args=[handover.pk]), {}, headers=HTMX)

    html = unescape(client.get(response.url, headers=EN).content.decode())
    assert "Chris Jansen accepted this handover already" in html
    assert "accepted by Chris Jansen" in inline.content.decode()  # the row, as it is now
    assert Handover.objects.get(pk=handover.pk).answered_by == desk.chris


def test_passing_on_from_my_day(client, desk):
    handover = hand_over(desk)
    client.force_login(desk.chris)
    url = reverse("followups:handover-pass-on", args=[handover.pk])

    form = client.get(url, headers=HTMX).content.decode()
    refused = client.post(url, {"to": f"team:{desk.zuid.pk}", "note": "again"}, headers=HTMX)
    done = client.post(
        url, _hidden_fields(form) | {"to": f"team:{desk.noord.pk}", "note": "Refunds are Noord's"}, headers=HTMX
    )

    assert "It is with Team Zuid already" in unescape(refused.content.decode())
    assert done.headers["HX-Retarget"] == f"#handover-{handover.pk}"
    assert "passed on by Chris Jansen" in done.content.decode()
    following = Handover.objects.get(previous=handover)
    assert (following.to_team, following.note, following.from_user) == (desk.noord, "Refunds are Noord's", desk.chris)
    client.force_login(desk.bram)
    assert client.get(reverse("followups:my-day")).context["day"].handovers.count == 1


def test_someone_elses_handover_does_not_exist_for_you(client, desk):
    handover = hand_over(desk)  # to Team Zuid
    client.force_login(desk.bram)  # Team Noord

    for name in ("followups:handover-accept", "followups:handover-pass-on"):
        assert client.get(reverse(name, args=[handover.pk])).status_code == 404
        assert client.post(reverse(name, args=[handover.pk]), {}).status_code == 404
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.PENDING


def test_my_day_reads_the_same_queries_for_3_and_for_30_handovers(client, desk, django_assert_max_num_queries):
    for _ in range(3):
        hand_over(desk, to=desk.chris, customer=CustomerFactory())
    client.force_login(desk.chris)
    client.get(reverse("followups:my-day"))  # warm the session and permission caches
    with django_assert_max_num_queries(11) as few:
        assert client.get(reverse("followups:my-day")).context["day"].handovers.count == 3
    for _ in range(27):
        hand_over(desk, to=desk.chris, customer=CustomerFactory())
    with django_assert_max_num_queries(11) as many:
        day = client.get(reverse("followups:my-day")).context["day"]

    assert (day.handovers.count, len(day.handovers.items)) == (30, 25)
    assert len(few) == len(many)


def test_show_more_handovers(client, desk):
    for _ in range(27):
        hand_over(desk, to=desk.chris, customer=CustomerFactory())
    client.force_login(desk.chris)
    cursor = client.get(reverse("followups:my-day")).context["day"].handovers.next_cursor

    more = client.get(reverse("followups:my-day"), {"section": "handovers", "after": cursor}, headers=HTMX)

    assert len(more.context["page"].items) == 2
    assert more.content.decode().count("handover-row") == 2


# --- The team board and the customer panel -----------------------------------------------------


def test_the_team_board_lists_the_teams_pending_handovers(client, desk):
    to_team = hand_over(desk)
    to_chris = hand_over(desk, to=desk.chris, customer=CustomerFactory(full_name="Gijs Mulder"))
    hand_over(desk, by=desk.chris, to=desk.noord, customer=CustomerFactory(full_name="Henk Noord"))  # Noord's
    client.force_login(desk.sem)

    response = client.get(reverse("followups:team-board", args=[desk.zuid.pk]), headers=EN)

    board = response.context["board"]
    assert [h.pk for h in board.handovers] == [to_team.pk, to_chris.pk]
    assert board.handovers_count == 2
    html = response.content.decode()
    section = html.partition('class="mb-4 team-handovers"')[2].partition("</section>")[0]
    assert "Handovers waiting to be accepted" in html
    assert "Fenna Bakker" in section and "Gijs Mulder" in section and "Henk Noord" not in section


def test_the_customer_panel_shows_the_chain(client, desk):
    first = hand_over(desk, note="Needs a refund on invoice 2207")
    handovers.handover_accept(handover=first, actor=desk.chris)
    second = hand_over(desk, to=desk.chris, note="Also: the new address")
    client.force_login(desk.dewi)

    html = unescape(
        client.get(reverse("followups:customer-panel", args=[desk.customer.pk]), headers=EN).content.decode()
    )

    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "Anna de Vries → Team Zuid (Chris Jansen): Needs a refund on invoice 2207; accepted" in text
    assert "Anna de Vries → Chris Jansen: Also: the new address; waiting since" in text
    # Dewi may not answer a handover to Chris; the lead may
    assert reverse("followups:handover-accept", args=[second.pk]) not in html
    client.force_login(desk.sem)
    html = client.get(reverse("followups:customer-panel", args=[desk.customer.pk])).content.decode()
    assert reverse("followups:handover-accept", args=[second.pk]) in html


def test_the_panel_chain_in_dutch(client, desk):
    first = hand_over(desk, note="Terugbetaling factuur 2207")
    handovers.handover_pass_on(handover=first, actor=desk.chris, to=desk.to(desk.dewi), note="Dewi regelt het")
    client.force_login(desk.anna)

    html = unescape(
        client.get(reverse("followups:customer-panel", args=[desk.customer.pk]), headers=NL).content.decode()
    )

    text = " ".join(re.sub(r"<[^>]+>", "", html).split())
    assert "Overdrachten" in text
    assert "Anna de Vries → Team Zuid (Chris Jansen): Terugbetaling factuur 2207; doorgegeven" in text
    assert "wacht sinds" in text


def test_the_receivers_notification_links_to_the_customer(client, desk):
    handover = hand_over(desk, to=desk.chris)
    notice = Notification.objects.get(recipient=desk.chris, key=f"handover:{handover.pk}")
    client.force_login(desk.chris)

    html = client.get(reverse("followups:notification-list"), headers=EN).content.decode()

    assert notice.subject in unescape(html)
    assert notice.link == desk.customer.get_absolute_url()


def test_what_people_typed_is_escaped_on_every_screen(client, desk):
    hand_over(desk, to=desk.chris, note='<script>alert("note")</script>\nline two')
    client.force_login(desk.chris)

    for url in (reverse("followups:my-day"), reverse("followups:customer-panel", args=[desk.customer.pk])):
        html = client.get(url).content.decode()
        assert '<script>alert("note")' not in html, url
        assert "&lt;script&gt;alert(" in html, url

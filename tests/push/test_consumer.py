"""The screen-pop socket (/ws/calls/): who may connect, who gets which card, and what the card says.

Each test drives the project's ASGI application (origin check, session auth, URL router) with channels'
WebsocketCommunicator; the calls come from the cti service (`call_event`), whose newCall pushes through
`contactcare.push.screen_pop`, as the telephone endpoint does.
"""

import json

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from contactcare import roles
from contactcare.push import user_group
from cti import services
from cti.consumers import CLOSE_SIGNED_OUT
from tests.factories import (
    ContactMomentFactory,
    CustomerDetailFactory,
    CustomerFactory,
    PromiseFactory,
    UserFactory,
)

from .conftest import NUMBER, ring, run, session_cookie, socket


def test_an_anonymous_visitor_is_refused(team_of_two):
    async def scenario():
        tab = socket("")
        connected, _ = await tab.connect()
        await tab.disconnect()
        return connected

    assert run(scenario) is False


def test_another_site_cannot_open_a_socket_with_the_users_cookie(team_of_two):
    cookie = session_cookie(team_of_two["sanne"])

    async def scenario():
        tab = socket(cookie, origin="https://evil.example")
        connected, _ = await tab.connect()
        await tab.disconnect()
        return connected

    assert run(scenario) is False


def test_an_inactive_user_is_refused(team_of_two):
    cookie = session_cookie(team_of_two["sanne"])
    get_user_model().objects.filter(pk=team_of_two["sanne"].pk).update(is_active=False)

    async def scenario():
        tab = socket(cookie)
        connected, _ = await tab.connect()
        await tab.disconnect()
        return connected

    assert run(scenario) is False


def test_a_call_pops_its_card_in_every_tab_of_the_person_it_rings_for(team_of_two, line):
    customer = CustomerFactory(full_name="Anna de Vries", preferred_address="mevrouw De Vries", phone=NUMBER)
    cookie = session_cookie(team_of_two["sanne"])

    async def scenario():
        tabs = [socket(cookie), socket(cookie)]
        for tab in tabs:
            assert (await tab.connect())[0]
        call = await database_sync_to_async(ring)(line, users=["sanne"])
        messages = [await tab.receive_json_from(timeout=5) for tab in tabs]
        for tab in tabs:
            await tab.disconnect()
        return call, messages

    call, messages = run(scenario)

    for message in messages:
        assert message["type"] == "call.pop"
        assert message["call"] == call.pk
        assert "mevrouw De Vries" in message["html"]
        assert (
            f'href="/customers/{customer.pk}/log/?call={call.pk}&amp;channel=phone&amp;direction=in&amp;at='
            in (message["html"])
        )


def test_another_teams_call_sends_nothing(team_of_two, line):
    """Olaf's tab gets no card for Service's call: the next message it gets is its own team's call."""
    CustomerFactory(full_name="Anna de Vries", phone=NUMBER)
    other_line_call = None
    cookie = session_cookie(team_of_two["olaf"])
    other_line = services.line_token_rotate(team=team_of_two["other"], actor=team_of_two["lead"])[0]

    async def scenario():
        nonlocal other_line_call
        tab = socket(cookie)
        assert (await tab.connect())[0]
        layer = get_channel_layer()
        foreign = await database_sync_to_async(ring)(line, users=["sanne"])
        # Even told explicitly (a wrong user list, a bug elsewhere), the socket checks the call itself.
        await layer.group_send(user_group(team_of_two["olaf"].pk), {"type": "call.pop", "call": foreign.pk})
        other_line_call = await database_sync_to_async(ring)(other_line, number="+31699999999", users=["olaf"])
        first = await tab.receive_json_from(timeout=5)
        nothing_more = await tab.receive_nothing(timeout=0.3)
        await tab.disconnect()
        return foreign, first, nothing_more

    foreign, first, nothing_more = run(scenario)

    assert first["call"] == other_line_call.pk != foreign.pk
    assert "Anna de Vries" not in first["html"] and "Unknown number" in first["html"]
    assert nothing_more


def test_the_lead_and_a_manager_see_the_teams_call_but_a_colleague_it_did_not_ring_for_gets_none(team_of_two, line):
    manager = UserFactory(username="boss", role=roles.MANAGER)
    CustomerFactory(phone=NUMBER)
    people = [team_of_two["lead"], manager, team_of_two["piet"]]
    cookies = [session_cookie(person) for person in people]

    async def scenario():
        tabs = [socket(cookie) for cookie in cookies]
        for tab in tabs:
            assert (await tab.connect())[0]
        call = await database_sync_to_async(ring)(line, users=["sanne"])
        layer = get_channel_layer()
        for person in people[:2]:  # what the endpoint does not do, a pop to the lead and the manager: allowed
            await layer.group_send(user_group(person.pk), {"type": "call.pop", "call": call.pk})
        received = [await tab.receive_json_from(timeout=5) for tab in tabs[:2]]
        piet_gets_nothing = await tabs[2].receive_nothing(timeout=0.3)
        for tab in tabs:
            await tab.disconnect()
        return call, received, piet_gets_nothing

    call, received, piet_gets_nothing = run(scenario)

    assert [message["call"] for message in received] == [call.pk, call.pk]
    assert piet_gets_nothing  # the call rang for Sanne only


def pop_html(team_of_two, line, *, number=NUMBER, language=None, accept_language="en"):
    """The card Sanne's tab receives for a call from `number`."""
    cookie = session_cookie(team_of_two["sanne"], language=language)

    async def scenario():
        tab = socket(cookie, accept_language=accept_language)
        assert (await tab.connect())[0]
        call = await database_sync_to_async(ring)(line, number=number, users=["sanne"])
        message = await tab.receive_json_from(timeout=5)
        await tab.disconnect()
        return call, message["html"]

    return run(scenario)


def test_the_card_of_a_known_caller_is_their_recognition_panel(team_of_two, line):
    customer = CustomerFactory(full_name="Anna de Vries", preferred_address="mevrouw De Vries", phone=NUMBER)
    CustomerDetailFactory(customer=customer, text="Hard of hearing", is_pinned=True)
    CustomerDetailFactory(customer=customer, text="Not pinned", is_pinned=False)
    ContactMomentFactory(customer=customer, summary="Boiler leaks", logged_by=team_of_two["piet"])
    PromiseFactory(customer=customer, moment__customer=customer, description="Send the repair date")

    call, html = pop_html(team_of_two, line)

    assert "Incoming call" in html and "06 12345678" in html
    assert "mevrouw De Vries" in html
    assert "Hard of hearing" in html and "Not pinned" not in html  # pinned details only, as on the customer page
    assert "Piet Jansen" in html  # last contacts: who logged them
    assert "Send the repair date" in html  # open promises
    assert "No check-ins planned." in html
    assert f"/customers/{customer.pk}/log/?call={call.pk}" in html
    assert "data-pop-primary" in html and "Log this call" in html
    assert f'id="screen-pop-{call.pk}-who"' in html  # its own ids: cards stack on a customer's page
    assert 'id="recognition-title"' not in html
    at = timezone.localtime(call.started_at).isoformat(timespec="seconds").replace("+", "%2B").replace(":", "%3A")
    assert f"at={at}" in html


def test_an_unknown_number_offers_the_new_customer_form_with_the_number_in_phone(team_of_two, line):
    CustomerFactory(phone="+31699999999")

    _, html = pop_html(team_of_two, line)

    assert "Unknown number" in html
    assert 'href="/customers/new/?phone=%2B31612345678" data-pop-primary' in html
    assert "/log/" not in html


def test_a_shared_number_lists_each_customer_with_its_own_log_link(team_of_two, line):
    anna = CustomerFactory(full_name="Anna de Vries", phone=NUMBER)
    bert = CustomerFactory(full_name="Bert de Vries", phone=NUMBER)
    CustomerFactory(full_name="Carla Elders", phone="+31699999999")

    call, html = pop_html(team_of_two, line)

    assert "This number belongs to 2 customers" in html
    assert "Anna de Vries" in html and "Bert de Vries" in html and "Carla Elders" not in html
    assert f"/customers/{anna.pk}/log/?call={call.pk}" in html
    assert f"/customers/{bert.pk}/log/?call={call.pk}" in html
    assert "/customers/new/?phone=%2B31612345678" in html  # someone else on that number
    assert html.count("data-pop-primary") == 1  # L focuses the list; it does not pick one


def test_an_anonymous_number_says_so_and_offers_only_new_contact_options(team_of_two, line):
    CustomerFactory(full_name="Anna de Vries", phone=NUMBER)

    call, html = pop_html(team_of_two, line, number="anonymous")

    assert call.is_anonymous
    assert "Anonymous number" in html
    assert "/log/" not in html and "Anna de Vries" not in html
    assert 'href="/customers/new/" data-pop-primary' in html


def test_the_card_speaks_the_language_the_user_chose(team_of_two, line):
    CustomerFactory(full_name="Anna de Vries", phone=NUMBER)

    _, dutch = pop_html(team_of_two, line, language="nl", accept_language="en")
    _, english = pop_html(team_of_two, line, language="en", accept_language="nl")
    _, browser = pop_html(team_of_two, line, accept_language="nl")

    assert "Wie is dit?" in dutch and "Who is this?" not in dutch
    assert "Who is this?" in english and "Wie is dit?" not in english
    assert "Wie is dit?" in browser  # no choice made: the browser's language, as on the pages


def test_a_user_who_signed_out_gets_no_card_and_the_socket_closes_for_good(team_of_two, line):
    CustomerFactory(phone=NUMBER)
    cookie = session_cookie(team_of_two["sanne"])

    async def scenario():
        tab = socket(cookie)
        assert (await tab.connect())[0]
        await database_sync_to_async(Session.objects.all().delete)()  # signed out in another tab
        await database_sync_to_async(ring)(line, users=["sanne"])
        output = await tab.receive_output(timeout=5)
        return output

    output = run(scenario)

    assert output == {"type": "websocket.close", "code": CLOSE_SIGNED_OUT}


def test_what_a_tab_sends_is_ignored_and_a_bad_call_id_is_dropped(team_of_two, line):
    cookie = session_cookie(team_of_two["sanne"])

    async def scenario():
        tab = socket(cookie)
        assert (await tab.connect())[0]
        await tab.send_to(text_data=json.dumps({"type": "call.pop", "call": 1}))
        layer = get_channel_layer()
        for bad in ("1", None, True, 10**30, -1, 999_999):
            await layer.group_send(user_group(team_of_two["sanne"].pk), {"type": "call.pop", "call": bad})
        silent = await tab.receive_nothing(timeout=0.5)
        await tab.disconnect()
        return silent

    assert run(scenario)

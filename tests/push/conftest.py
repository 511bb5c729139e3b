"""Fixtures for the screen-pop: a desk with a telephone line, calls rung through the cti service, sockets."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from contactcare import roles
from contactcare.asgi import application
from cti import services
from tests.factories import TeamFactory, UserFactory

NUMBER = "+31612345678"
IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def _fresh_layer(settings):
    """A new in-memory channel layer per test (channels drops its layers when the setting changes)."""
    settings.CHANNEL_LAYERS = IN_MEMORY


@pytest.fixture
def team_of_two(transactional_db):
    """Team "Service": Sanne and Piet (staff) and Lotte (lead); and Other's Olaf, who may not see their calls."""
    lead = UserFactory(username="lotte", first_name="Lotte", last_name="Lead", role=roles.TEAM_LEAD)
    sanne = UserFactory(username="sanne", first_name="Sanne", last_name="Staff")
    piet = UserFactory(username="piet", first_name="Piet", last_name="Jansen")
    team = TeamFactory(name="Service", lead=lead, members=[sanne, piet])
    olaf = UserFactory(username="olaf", first_name="Olaf", last_name="Other")
    other = TeamFactory(name="Other", members=[olaf])
    return {"team": team, "lead": lead, "sanne": sanne, "piet": piet, "olaf": olaf, "other": other}


@pytest.fixture
def line(team_of_two, django_user_model):
    manager = UserFactory(username="mila", role=roles.MANAGER)
    return services.line_token_rotate(team=team_of_two["team"], actor=manager)[0]


def run(coroutine_function, *args):
    """Run an async test scenario to its end, in a thread of its own.

    Not in the test's thread: after a browser test, Playwright's event loop stays in it, and async_to_sync
    refuses to run there. The thread's database connection is closed afterwards.
    """

    def in_thread():
        try:
            return async_to_sync(coroutine_function)(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


def ring(line, *, number=NUMBER, users=("sanne",), call_id=None):
    """A newCall on `line` from `number` (the cti service, as the endpoint calls it)."""
    data = {"from": number, "to": "+31201234567", "direction": "in", "callId": call_id or uuid.uuid4().hex}
    if users:
        data["user[]"] = list(users)
    return services.call_event(line=line, event="newCall", data=data)


def session_cookie(user, *, language: str | None = None) -> str:
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return f"{cookie}; django_language={language}" if language else cookie


def socket(cookie: str = "", *, origin: str = "http://localhost", accept_language: str = "en") -> WebsocketCommunicator:
    """A tab's websocket to /ws/calls/, through the project's ASGI application (origin check, session auth)."""
    headers = [(b"host", b"localhost"), (b"origin", origin.encode()), (b"accept-language", accept_language.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/calls/", headers=headers)

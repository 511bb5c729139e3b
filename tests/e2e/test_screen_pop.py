"""The screen-pop in a real browser: a call from the (simulated) telephone system pops the caller's card in
every open tab within a second, without a reload, and one key opens the pre-filled form.

Pages, static files and websockets are served by `make run`'s own server (Procfile.dev's `web`: runserver,
which daphne makes ASGI), started as its own process on the test database, without Redis. `manage.py
cti_simulate` sends the PBX's events over HTTP to the endpoint in that process; the endpoint's screen-pop
reaches the tabs through the in-memory channel layer, as in `make run`.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from playwright.sync_api import expect

from contactcare import roles
from cti import services
from cti.models import Call
from tests.e2e.conftest import assert_accessible
from tests.factories import CustomerDetailFactory, CustomerFactory, TeamFactory, UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
NUMBER = "+31612345678"
POP_WITHIN = 1.0  # seconds: the "within one second"


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dev_server_command() -> str:
    """Procfile.dev's `web` line (what `make run` starts), without the autoreloader's second process."""
    for line in (BASE_DIR / "Procfile.dev").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip().replace(".venv/bin/python", sys.executable) + " --noreload"
    raise AssertionError("Procfile.dev has no web process")


@pytest.fixture(scope="module")
def server_url(django_db_setup, django_db_blocker, tmp_path_factory):
    """`make run`'s server (runserver under daphne) on the test database, in its own process."""
    with django_db_blocker.unblock():
        database_url = _database_url()
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contactcare.settings",
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "0",  # the test's flush must not wait for the server's idle connections
        "CHANNEL_LAYER_URL": "",  # in memory: endpoint and sockets share this process, as in `make run`
        "CELERY_BROKER_URL": "memory://",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORT": str(port),
    }
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    server = subprocess.Popen(
        ["sh", "-c", f"exec {dev_server_command()}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the server did not start; see {log.name}")
        time.sleep(0.2)
    yield url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture
def desk(transactional_db):
    sanne = UserFactory(username="sanne", first_name="Sanne", last_name="Staff", role=roles.STAFF)
    team = TeamFactory(name="Service", members=[sanne])
    _line, token = services.line_token_rotate(team=team, actor=sanne)
    return {"sanne": sanne, "team": team, "token": token}


def log_in(page, url, user):
    """Signed in with a session made here (the server checks passwords with the real hashers, the tests not)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url},
            {"name": "django_language", "value": "en", "url": url},
        ]
    )
    page.goto(f"{url}/my-day/")


def two_tabs(page, url, user):
    """The user signed in, with two tabs open (My day, and a customer search), each with its socket."""
    log_in(page, url, user)
    other = page.context.new_page()
    other.goto(f"{url}/customers/search/?q=nobody")
    for tab in (page, other):
        expect(tab.locator("#screen-pops[data-connected]")).to_be_attached(timeout=5000)
    return page, other


def simulate(url, desk, number):
    """The telephone system rings Sanne: `cti_simulate` POSTs a newCall to the endpoint, over HTTP."""
    call_id = uuid.uuid4().hex
    call_command(
        "cti_simulate",
        "--team", desk["team"].name, "--scenario", "ringing", "--from", number, "--call-id", call_id,
        "--user", "sanne", "--url", url, f"--token={desk['token']}",
    )  # fmt: skip
    return Call.objects.get(team=desk["team"], call_id=call_id)


def test_a_call_pops_the_card_in_both_tabs_and_enter_opens_the_prefilled_log_form(page, server_url, desk, screenshot):
    customer = CustomerFactory(full_name="Anna de Vries", preferred_address="mevrouw De Vries", phone=NUMBER)
    CustomerDetailFactory(customer=customer, text="Hard of hearing", is_pinned=True)
    first, second = two_tabs(page, server_url, desk["sanne"])
    first.bring_to_front()
    reloads = first.evaluate("performance.getEntriesByType('navigation').length")

    # A first call warms the fresh server process up (its first request loads views and templates: ~1 s
    # here); the one measured is the second, with the first card still there: cards stack.
    earlier = simulate(server_url, desk, "+31687654321")
    expect(first.locator(f"#screen-pop-{earlier.pk}")).to_be_visible()
    started = time.monotonic()
    call = simulate(server_url, desk, NUMBER)
    for tab in (first, second):
        expect(tab.locator(f"#screen-pop-{call.pk}")).to_be_visible(timeout=int(POP_WITHIN * 1000))
    elapsed = time.monotonic() - started

    assert elapsed < POP_WITHIN, f"the card took {elapsed:.2f} s"
    for tab in (first, second):
        card = tab.locator(f"#screen-pop-{call.pk}")
        expect(card).to_contain_text("mevrouw De Vries")
        expect(card).to_contain_text("Hard of hearing")
        expect(tab.locator("#screen-pop-status")).to_contain_text("Incoming call: mevrouw De Vries")
    assert first.evaluate("performance.getEntriesByType('navigation').length") == reloads  # no reload
    assert_accessible(first, server_url, "screen-pop cards")
    screenshot("screen-pop", full_page=False)

    # The card's main button has the focus: Enter opens the log form, filled in with the call.
    expect(first.locator(f"#screen-pop-{call.pk} [data-pop-primary]")).to_be_focused()
    first.keyboard.press("Enter")
    first.wait_for_url(f"**/customers/{customer.pk}/log/**")
    query = parse_qs(urlparse(first.url).query)
    assert query["call"] == [str(call.pk)] and query["channel"] == ["phone"] and query["direction"] == ["in"]
    expect(first.locator("#id_channel")).to_have_value("phone")
    expect(first.locator("input[name=call]")).to_have_value(str(call.pk))

    # The other tab: L opens the same form, also with the focus elsewhere.
    second.bring_to_front()
    second.evaluate("document.activeElement.blur()")
    second.keyboard.press("l")
    second.wait_for_url(f"**/customers/{customer.pk}/log/?call={call.pk}**")


def test_an_unknown_number_opens_the_new_customer_form_and_cards_stack_and_dismiss(page, server_url, desk):
    log_in(page, server_url, desk["sanne"])
    expect(page.locator("#screen-pops[data-connected]")).to_be_attached(timeout=5000)
    page.fill("#q", "typing")  # someone typing keeps the focus: the card must not take it

    unknown = simulate(server_url, desk, "+31687654321")
    anonymous = simulate(server_url, desk, "anonymous")

    cards = page.locator("#screen-pops .screen-pop")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_id(f"screen-pop-{anonymous.pk}")  # newest on top
    expect(cards.first).to_contain_text("Anonymous number")
    expect(cards.nth(1)).to_contain_text("Unknown number")
    expect(cards.first.locator("kbd")).to_be_visible()  # L opens the newest card: only it shows the key
    expect(cards.nth(1).locator("kbd")).to_be_hidden()
    expect(page.locator("#q")).to_be_focused()
    page.locator(f"#screen-pop-{anonymous.pk} [data-pop-dismiss]").click()
    expect(cards).to_have_count(1)

    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("l")
    page.wait_for_url("**/customers/new/?phone=*")
    expect(page.locator("#id_phone")).to_have_value("06 87654321")
    assert unknown.customer is None


def test_a_lost_connection_comes_back_and_a_signed_out_one_stays_closed(page, server_url, desk):
    sockets = []

    def through(route):  # every socket the page opens, passed on to the real server
        sockets.append(route)
        route.connect_to_server()

    page.route_web_socket("**/ws/calls/", through)
    log_in(page, server_url, desk["sanne"])
    region = page.locator("#screen-pops")
    expect(region).to_have_attribute("data-connected", "")

    sockets[-1].close(code=1011)  # the server went away: the page opens a new socket within a second
    expect(region).not_to_have_attribute("data-connected", "")
    expect(region).to_have_attribute("data-connected", "", timeout=3000)
    assert len(sockets) == 2

    sockets[-1].close(code=4401)  # signed out elsewhere: no more tries
    page.wait_for_timeout(2000)
    assert len(sockets) == 2
    expect(region).not_to_have_attribute("data-connected", "")

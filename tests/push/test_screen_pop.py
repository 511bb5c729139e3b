"""`contactcare.push.screen_pop`: what the telephone endpoint calls. It reaches every tab over a real Redis
channel layer, and neither a stopped Redis, a hung one nor a missing layer reaches its caller."""

import asyncio
import logging
import os
import socket as sockets
import threading
import time
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from contactcare.push import screen_pop

from ..celery_utils import redis_test_url
from .conftest import NUMBER, ring, run, session_cookie, socket

REDIS_URL = redis_test_url()


def redis_layer(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A prefix of its own: parallel runs on the same Redis database never see each other's messages.
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 2}], "prefix": f"t{uuid.uuid4().hex}"},
        }
    }


@pytest.fixture
def sent_at_commit(django_capture_on_commit_callbacks):
    """The test's transaction never commits: run what screen_pop left for the commit, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def free_port() -> int:
    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_tabs_both_get_the_card_over_redis(team_of_two, line, settings):
    """The production path: the endpoint's process and the tabs' process share only Redis."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CHANNEL_LAYERS = redis_layer(REDIS_URL)
    from tests.factories import CustomerFactory

    CustomerFactory(full_name="Anna de Vries", phone=NUMBER)
    cookie = session_cookie(team_of_two["sanne"])

    async def scenario():
        tabs = [socket(cookie), socket(cookie)]
        for tab in tabs:
            assert (await tab.connect())[0]
        started = time.monotonic()
        call = await sync_to_async(ring)(line, users=["sanne"])  # the endpoint's service: newCall → screen_pop
        messages = [await tab.receive_json_from(timeout=5) for tab in tabs]
        elapsed = time.monotonic() - started
        for tab in tabs:
            await tab.disconnect()
        await get_channel_layer().flush()
        return call, messages, elapsed

    call, messages, elapsed = run(scenario)

    assert [m["call"] for m in messages] == [call.pk, call.pk]
    assert all("Anna de Vries" in m["html"] for m in messages)
    assert elapsed < 1  # "within one second", with the database and Redis in between


@pytest.mark.django_db
def test_a_stopped_redis_is_logged_without_personal_data_and_never_raised(settings, caplog, sent_at_commit):
    settings.CHANNEL_LAYERS = redis_layer(f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="contactcare.push"), sent_at_commit():
        screen_pop(user_ids=[1, 2], call_pk=7)

    assert time.monotonic() - started < 2
    assert "screen-pop not sent to 2 user(s) for call 7: ConnectionError" in caplog.text
    assert NUMBER not in caplog.text


@pytest.mark.django_db
def test_a_hung_redis_holds_the_endpoint_no_longer_than_the_timeout(settings, caplog, sent_at_commit):
    """A Redis that accepts the connection and never answers: the pop is given up after PUSH_SEND_TIMEOUT_MS."""
    listener = sockets.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept_and_say_nothing():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    settings.CHANNEL_LAYERS = redis_layer(f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    settings.PUSH_SEND_TIMEOUT_MS = 300
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="contactcare.push"), sent_at_commit():
            screen_pop(user_ids=[1], call_pk=8)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()

    assert accepted  # it did reach the "Redis"
    assert 0.25 < elapsed < 1.5
    assert "screen-pop not sent to 1 user(s) for call 8: TimeoutError" in caplog.text


@pytest.mark.django_db
def test_no_channel_layer_is_logged_and_ignored(settings, caplog, sent_at_commit):
    settings.CHANNEL_LAYERS = {}

    with caplog.at_level(logging.WARNING, logger="contactcare.push"), sent_at_commit():
        screen_pop(user_ids=[1], call_pk=9)

    assert "CHANNEL_LAYERS is not configured" in caplog.text


@pytest.mark.django_db
def test_a_broken_layer_setting_is_logged_and_ignored(settings, caplog, sent_at_commit):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "no.such.Layer"}}

    with caplog.at_level(logging.WARNING, logger="contactcare.push"), sent_at_commit():
        screen_pop(user_ids=[1], call_pk=9)

    assert "no channel layer" in caplog.text


@pytest.mark.django_db
def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks):
    """The tab's socket reads the call on its own connection: the pop waits until the call is committed."""
    layer = get_channel_layer()
    channel = run(layer.new_channel)
    run(layer.group_add, "user.5", channel)

    async def next_message():
        return await asyncio.wait_for(layer.receive(channel), timeout=0.2)

    with django_capture_on_commit_callbacks() as callbacks:
        screen_pop(user_ids=[5, 5, "5"], call_pk=11)
    with pytest.raises(TimeoutError):
        run(next_message)
    assert len(callbacks) == 1
    callbacks[0]()

    assert run(next_message) == {"type": "call.pop", "call": 11}  # once, for the one user
    with pytest.raises(TimeoutError):
        run(next_message)


@pytest.mark.django_db
def test_ids_that_are_not_numbers_are_refused_quietly(caplog):
    with caplog.at_level(logging.WARNING, logger="contactcare.push"):
        screen_pop(user_ids=["x"], call_pk=1)
        screen_pop(user_ids=[1], call_pk=None)
        screen_pop(user_ids=[], call_pk=1)

    assert caplog.text.count("ids are not integers") == 2


def test_it_also_sends_from_a_thread_that_runs_an_event_loop():
    """Async code, or a test after a browser test (Playwright's loop stays in the main thread)."""
    from contactcare import push

    sent = []

    async def send():
        sent.append("sent")

    async def async_caller():
        push._run(send)  # async_to_sync alone would refuse: "cannot use AsyncToSync in the same thread"

    run(async_caller)

    assert sent == ["sent"]

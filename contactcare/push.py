"""Push to the browser: the screen-pop (issue 12).

`screen_pop` tells every open tab of the given staff members that a call came
in. It only names the call: each tab's websocket consumer (`cti.consumers`)
loads the card itself, checking that its user may see the call, and renders it
in that user's language. So no personal data travels through Redis.

The telephone endpoint calls this while it answers the PBX, so it must never
raise and never wait long: a stopped Redis, a missing channel layer or a slow
one is logged (without names or numbers) and ignored: the call is still
recorded, only the pop is lost.

`contactcare` sits below the apps: nothing here imports `cti` or `followups`.
"""

import asyncio
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

POP_TYPE = "call.pop"  # the consumer's handler: `call_pop`


def user_group(user_id: int) -> str:
    """The channel-layer group every socket of one user joins."""
    return f"user.{int(user_id)}"


def screen_pop(*, user_ids: Iterable[int], call_pk: int) -> None:
    """Pop the card of call `call_pk` in every open tab of `user_ids`.

    Sent once the current transaction commits (at once outside a transaction),
    so that the consumer, on its own database connection, finds the call. Never
    raises; waits at most PUSH_SEND_TIMEOUT_MS for the channel layer.
    """
    try:
        ids = sorted({int(user_id) for user_id in user_ids})
        call_pk = int(call_pk)
    except (TypeError, ValueError):
        logger.warning("screen-pop skipped: ids are not integers")
        return
    if not ids:
        return
    transaction.on_commit(lambda: _send(ids, call_pk), robust=True)


def _run(coroutine_function) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: a sync view or task, no event loop in this thread
        async_to_sync(coroutine_function)()
        return
    # This thread runs an event loop (async code, or a test driving a browser): send from a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(async_to_sync(coroutine_function)).result()


def _send(user_ids: list[int], call_pk: int) -> None:
    try:
        layer = get_channel_layer()
    except Exception as error:  # noqa: BLE001 - a misconfigured layer must not break the caller
        logger.warning("screen-pop not sent: no channel layer (%s)", type(error).__name__)
        return
    if layer is None:
        logger.warning("screen-pop not sent: CHANNEL_LAYERS is not configured")
        return
    message = {"type": POP_TYPE, "call": call_pk}
    timeout = settings.PUSH_SEND_TIMEOUT_MS / 1000

    async def send_all():
        await asyncio.wait_for(
            asyncio.gather(*(layer.group_send(user_group(user_id), message) for user_id in user_ids)),
            timeout=timeout,
        )

    try:
        _run(send_all)
    except Exception as error:  # noqa: BLE001 - Redis stopped, slow or refusing: the pop is lost, the call is not
        logger.warning(
            "screen-pop not sent to %s user(s) for call %s: %s", len(user_ids), call_pk, type(error).__name__
        )

"""The screen-pop's websocket: one per open tab (`/ws/calls/`, issue 12).

A tab of a signed-in desk user joins its user's group (`contactcare.push.user_group`).
`contactcare.push.screen_pop` names a call to that group; each socket then loads
the card itself, as its user may see it (`cti.pop`), renders it in the language
the user's pages are in, and sends the HTML. Nothing personal passes through the
channel layer, and a tab of someone who may not see the call gets nothing.

The session is read again for every pop: a user who signed out (or was
deactivated, or changed their password) in the meantime gets no card, and the
socket closes with code 4401 so the page stops reconnecting.
"""

import json
import logging
from importlib import import_module

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import translation

from contactcare.push import user_group

from . import pop

logger = logging.getLogger(__name__)

DESK_PERMISSION = "contacts.view_customer"  # desk work: staff, leads and managers
CLOSE_SIGNED_OUT = 4401  # the page stops reconnecting (a reload shows the login page)
_SIGNED_OUT = object()


def desk_user(session_key: str | None):
    """The active desk user this session belongs to now, or None (every check `login` makes, again)."""
    if not session_key:
        return None
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(request)  # None-like for a gone session, an inactive user or a changed password
    if not (user.is_authenticated and user.is_active and user.has_perm(DESK_PERMISSION)):
        return None
    return user


def scope_language(scope) -> str:
    """The language the user's pages are in: the language switch's cookie, else Accept-Language (LocaleMiddleware)."""
    request = HttpRequest()
    request.COOKIES = scope.get("cookies") or {}
    for name, value in scope.get("headers") or ():
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


class CallPopConsumer(AsyncWebsocketConsumer):
    group = None

    async def connect(self):
        session = self.scope.get("session")
        self.session_key = session.session_key if session is not None else None
        user = await database_sync_to_async(desk_user)(self.session_key)
        if user is None:
            await self.close()  # before accept: the handshake is refused (403)
            return
        self.user_pk = user.pk
        self.language = scope_language(self.scope)
        try:
            await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        except Exception as error:  # noqa: BLE001 - Redis down: refuse, the page retries with backoff
            logger.warning("screen-pop socket refused: channel layer unavailable (%s)", type(error).__name__)
            await self.close()
            return
        self.group = user_group(user.pk)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            try:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            except Exception as error:  # noqa: BLE001 - the group entry expires by itself
                logger.warning("screen-pop socket not removed from its group (%s)", type(error).__name__)

    async def receive(self, text_data=None, bytes_data=None):
        """Tabs send nothing; whatever arrives is ignored."""

    async def call_pop(self, event):
        call_pk = event.get("call")
        if not isinstance(call_pk, int) or isinstance(call_pk, bool):
            return
        html = await database_sync_to_async(self.card_html)(call_pk)
        if html is _SIGNED_OUT:
            await self.close(code=CLOSE_SIGNED_OUT)
        elif html:
            await self.send(text_data=json.dumps({"type": "call.pop", "call": call_pk, "html": html}))

    def card_html(self, call_pk: int):
        """The card for this socket's user, in their language; "" when it is not theirs to see."""
        user = desk_user(self.session_key)
        if user is None or user.pk != self.user_pk:
            return _SIGNED_OUT
        with translation.override(self.language):
            card = pop.screen_pop_card(call_pk, user)
            if card is None:
                return ""
            return render_to_string("cti/_screen_pop.html", {"card": card, "LANGUAGE_CODE": self.language})

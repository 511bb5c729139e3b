"""ASGI entry point: pages over HTTP, and the screen-pop's websockets (`/ws/calls/`, issue 12).

`manage.py runserver` serves this (daphne is the first installed app), so `make run`
has both in one process with the in-memory channel layer. Production serves pages
with gunicorn (contactcare.wsgi) and runs this under daphne as the `push` process
for `/ws/`, with the Redis channel layer between them.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcare.settings")

# Set up Django (apps, settings) before anything imports a model.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cti.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The Origin must be one of ALLOWED_HOSTS (no other site opens a socket with our cookie);
        # the session cookie says who the user is.
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

"""A real HTTP receiver for webhooks (http.server in a thread, on a free port) and endpoints registered to it."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contactcare import webhooks
from contactcare.models import WebhookEvent

from ..celery_utils import free_port
from ..factories import UserFactory


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify(secret: str, received: Received, *, now: float | None = None, tolerance: int = 300) -> bool:
    """What a receiver does (README "Webhooks"): recompute the HMAC over "<timestamp>.<body>", refuse old ones."""
    sent_at = received.headers["X-ContactCare-Timestamp"]
    if abs((now or time.time()) - int(sent_at)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), sent_at.encode() + b"." + received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(received.headers["X-ContactCare-Signature"], f"sha256={expected}")


@dataclass
class Receiver:
    """Records every POST; answers with the next code of `answers` (then 200), or sleeps `delay` first."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.received.append(Received(dict(self.headers), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self) -> list[str]:
        return [r.json["event"] for r in self.received]


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_MAX_ATTEMPTS = 8


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def manager(db):
    from contactcare import roles

    return UserFactory(username="mila", role=roles.MANAGER)


def register(manager, url: str, events=tuple(WebhookEvent.values), description: str = ""):
    """An endpoint through the service (the SSRF guard must allow the URL); returns (endpoint, secret)."""
    return webhooks.endpoint_create(actor=manager, url=url, events=list(events), description=description)

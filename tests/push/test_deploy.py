"""The push process in the full stack: compose's `push` service and Procfile.stack's `push` line run daphne
on contactcare.asgi beside gunicorn, linked by the Redis channel layer; the production settings start it."""

import json
import secrets
import shlex
import socket
import subprocess
import time

from tests.deploy import test_stack
from tests.deploy.test_stack import ROOT, django_env, procfile_commands

compose, compose_config = test_stack.compose, test_stack.compose_config  # the stack tests' fixtures

ASGI_APP = "contactcare.asgi:application"


def test_compose_runs_daphne_for_the_websockets_and_keeps_gunicorn_for_the_pages(compose_config):
    services = compose_config["services"]
    push, web = services["push"], services["web"]

    assert not web.get("command")  # the image's CMD: gunicorn, which the bench measures
    command = push["command"]
    assert command[0] == "daphne" and command[-1] == ASGI_APP
    assert command[command.index("-p") + 1] == "8001"
    assert "localhost:8001/healthz" in push["healthcheck"]["test"][3]
    [port] = push["ports"]
    assert (port["target"], port["published"], port["host_ip"]) == (8001, "8001", "127.0.0.1")
    for name in ("web", "push"):  # the endpoint (web) and the sockets (push) meet in Redis
        assert services[name]["environment"]["CHANNEL_LAYER_URL"] == "redis://redis:6379/2"
        assert services[name]["environment"]["PUSH_URL"] == "ws://localhost:8001/ws/calls/"


def test_a_proxy_setup_empties_push_url_in_the_dotenv_file(compose):
    (compose.dir / ".env").write_text("PUSH_URL=\n")

    result = compose("config", "--format", "json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["services"]["web"]["environment"]["PUSH_URL"] == ""


def test_procfile_stack_runs_push_after_web_on_its_own_port():
    processes = procfile_commands()
    tokens = shlex.split(processes["push"])

    assert list(processes).index("push") > list(processes).index("web")  # honcho's PORT goes to web
    assert tokens[0] == ".venv/bin/daphne" and tokens[-1] == ASGI_APP
    assert tokens[tokens.index("-p") + 1] == "${PUSH_PORT:-8001}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _handshake(port: int, *, origin: str) -> str:
    """A websocket upgrade request to /ws/calls/ without a session; the status line of the answer."""
    request = (
        "GET /ws/calls/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request.encode())
        return connection.recv(200).decode("latin-1").split("\r\n")[0]


def test_the_push_process_starts_with_production_settings_and_refuses_a_socket_without_a_session(tmp_path):
    port = _free_port()
    env = django_env(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_HTTPS="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        CHANNEL_LAYER_URL=f"redis://127.0.0.1:{_free_port()}/0",  # nobody listens: not needed to refuse
        PUSH_PORT=str(port),
    )
    server = subprocess.Popen(
        ["sh", "-c", "exec " + procfile_commands()["push"]], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "daphne did not start"
                time.sleep(0.2)

        assert _handshake(port, origin="http://127.0.0.1") == "HTTP/1.1 403 Access denied"  # no session
        assert _handshake(port, origin="https://evil.example") == "HTTP/1.1 403 Access denied"
    finally:
        server.terminate()
        server.wait(timeout=10)

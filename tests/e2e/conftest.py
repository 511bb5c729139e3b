"""Real-browser tests: Playwright driving Debian's chromium against a live server.

Playwright cannot download its own browsers here; we launch the system
chromium (`apt-get install chromium`, or CHROMIUM_PATH). Without one the
tests are skipped with instructions, except in CI (CI=1), where a missing
browser is a failure.
"""

import os
import shutil
from pathlib import Path

import pytest

from ..factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"  # the best are copied to docs/screenshots


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
        elif "browser_name" in getattr(item, "fixturenames", ()):
            # A test outside tests/e2e with an argument named like a Playwright fixture ("page") becomes a
            # browser test: pytest then groups it with the browser tests by their session parameter, and
            # those, pulled in among the plain database tests, flush the database before the tests that rely
            # on what the migrations wrote.
            raise pytest.UsageError(f"{item.nodeid}: rename the argument; 'page' is Playwright's browser page")
    if CHROMIUM:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI must run the browser tests: install chromium (apt-get install -y chromium).")
    skip = pytest.mark.skip(
        reason="no chromium: `sudo apt-get install chromium` (or set CHROMIUM_PATH) to run browser tests"
    )
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 860}, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # The live server serves static files through the finders, not a manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def login(page, live_server):
    """Log a user in through the real login form; returns the page on the start page."""

    def _login(user, password=PASSWORD, language="en"):
        page.goto(f"{live_server.url}/accounts/login/")
        if language:
            page.select_option("#language-select", language)
            page.wait_for_load_state()
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return _login


@pytest.fixture
def screenshot(page):
    """Save a screenshot of the current page under var/screenshots/<name>.png."""

    def _shot(name, full_page=True):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return _shot


@pytest.fixture(autouse=True)
def no_csp_violations(page):
    """Every browser test also proves the pages run under our content security policy."""
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    yield
    assert refused == [], f"the content security policy refused something: {refused}"


SERIOUS = ("serious", "critical")


def assert_accessible(page, live_server_url: str, name: str) -> None:
    """Run axe-core (vendored, served from our own origin so the CSP allows it) and fail on serious issues."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=f"{live_server_url}/static/vendor/axe/axe.min.js")
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(v => ("
        "{id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert serious == [], f"{name}: accessibility violations {serious}"


@pytest.fixture
def a11y(page, live_server):
    return lambda name: assert_accessible(page, live_server.url, name)


@pytest.fixture
def redis_worker(django_db_setup, django_db_blocker, tmp_path):
    """A real Celery worker with beat on Redis for one journey; this process publishes there too.

    One worker per test, stopped (warm: it finishes the task in hand) before the test's database is flushed.
    Beat runs the sweeps every second; a sweep still running while the flush truncates every table took its
    locks in another order and deadlocked the flush, which then left the next test with the old rows.
    """
    from ..celery_utils import Worker, broker, redis_reachable, redis_test_url

    url = redis_test_url(offset=1)
    if not redis_reachable(url):
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {url}")
        pytest.skip(f"no Redis at {url}: start redis-server to run the journeys with a real worker")
    import redis

    redis.Redis.from_url(url).flushdb()
    with django_db_blocker.unblock():
        worker = Worker(tmp_path, url).start()
    try:
        with broker(url):
            yield worker
    finally:
        worker.stop()

"""Benchmark: how long the keyboard call of issue 9 takes (find the caller, log the call, one promise).

Runs the very flow `tests/e2e/test_fast_call.py` counts the keys of, in
Debian's chromium against a live server, several times, and prints seconds:
the machine's part (page loads, the search as you type, saving) and an
estimate for a practised user, who also has to press the keys and type the
text. A benchmark, not a test: timings depend on the machine.

    .venv/bin/python bench/call.py                     # SQLite, a throwaway file under var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/contactcare \\
        .venv/bin/python bench/call.py --runs 10       # PostgreSQL: a throwaway test_contactcare

The data goes into a test database of its own (Django's `test_` prefix),
created and dropped by the script; the database of DATABASE_URL is not touched.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcare.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.testcases import LiveServerThread, _StaticFilesHandler  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from contactcare import roles  # noqa: E402
from tests.e2e.conftest import ARGS, CHROMIUM  # noqa: E402
from tests.e2e.test_fast_call import PROMISE, SUMMARY, fast_call  # noqa: E402
from tests.factories import PASSWORD, CustomerFactory, TeamFactory, TopicFactory, UserFactory  # noqa: E402

CUSTOMER = "Willem Hoekstra"
SEARCH = "hoek"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="calls to log (default 5)")
    parser.add_argument("--key-seconds", type=float, default=0.3, help="a practised user's time per key (0.3)")
    parser.add_argument("--chars-per-second", type=float, default=5.0, help="typing speed for the text (5 ≈ 60 wpm)")
    args = parser.parse_args()
    if not CHROMIUM:
        sys.exit("no chromium: `sudo apt-get install chromium` (or set CHROMIUM_PATH)")

    setup_test_environment()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        seconds, keys = run(args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    text = len(SEARCH) + len(SUMMARY) + len(PROMISE)
    machine = statistics.median(seconds)
    pressing = keys * args.key_seconds
    typing = text / args.chars_per_second
    print(f"{args.runs} calls, {keys} keys besides {text} characters of text")
    print(f"machine          {machine:.2f} s median  (min {min(seconds):.2f} s, max {max(seconds):.2f} s)")
    print(f"+ the keys       {machine + pressing:.1f} s  ({keys} keys × {args.key_seconds:g} s)")
    print(f"+ the text       {machine + pressing + typing:.1f} s  ({text} characters at {args.chars_per_second:g}/s)")


def run(runs: int) -> tuple[list[float], int]:
    user = UserFactory(username="bench", first_name="Bench", role=roles.STAFF)
    TeamFactory(name="Bench", members=[user])
    TopicFactory(name="Storing")
    CustomerFactory(full_name=CUSTOMER)
    server = LiveServerThread("localhost", _StaticFilesHandler)  # own connections: the database is a file or server
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    url = f"http://localhost:{server.port}"
    seconds, keys = [], 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")
            response = page.goto(f"{url}/accounts/login/")
            if not response.ok:
                raise SystemExit(f"the login page answers {response.status}: {page.content()[:2000]}")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda address: "/accounts/login/" not in address)
            for _ in range(runs):
                page.goto(f"{url}/")  # My day, the start page
                started = time.perf_counter()
                keys = fast_call(page, search=SEARCH, customer_name=CUSTOMER, topic_letters="st")
                seconds.append(time.perf_counter() - started)
            browser.close()
    finally:
        server.terminate()
    return seconds, keys


if __name__ == "__main__":
    main()

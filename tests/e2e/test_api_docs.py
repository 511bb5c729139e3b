"""The API's pages in a real browser, under our content security policy: the tokens page, Swagger UI, ReDoc."""

import re

import pytest
from playwright.sync_api import expect

from api.models import ApiToken
from contactcare import roles
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_token_is_made_shown_once_and_revoked(page, login, live_server, screenshot):
    user = UserFactory(username="sanne", role=roles.STAFF)
    login(user)

    page.goto(f"{live_server.url}/api/tokens/")
    page.fill("#id_name", "Web shop")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    screenshot("api-tokens")
    page.reload()

    assert re.fullmatch(r"cc_[A-Za-z0-9_-]{40,}", token)
    expect(page.locator("#new-token")).to_have_count(0)  # shown once
    expect(page.get_by_role("cell", name="Web shop")).to_be_visible()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("revoked: it no longer works")).to_be_visible()
    assert ApiToken.objects.get(user=user).revoked_at is not None


REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"  # ReDoc always asks for it; our policy refuses it


def _outside(page, live_server) -> list[str]:
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    return requests


def test_swagger_ui_renders_from_our_own_files(page, login, live_server, screenshot):
    login(UserFactory(username="mila", role=roles.MANAGER))
    requests = _outside(page, live_server)

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ContactCare API", timeout=15000)
    expect(page.get_by_text("/api/v1/customers/", exact=True).first).to_be_visible()
    screenshot("api-swagger")
    assert [url for url in requests if not url.startswith((live_server.url, "data:", "blob:"))] == []


def test_redoc_renders_from_our_own_files(page, login, live_server, screenshot):
    login(UserFactory(username="mila", role=roles.MANAGER))
    # A page of its own: ReDoc's logo request is refused by the policy (as it should be), which the
    # shared no-CSP-violation check of `page` would count; here every other refusal still fails the test.
    redoc = page.context.new_page()
    refused, requests = [], _outside(redoc, live_server)
    redoc.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    redoc.goto(f"{live_server.url}/api/redoc/")

    expect(redoc.get_by_role("heading", name=re.compile("ContactCare API"))).to_be_visible(timeout=15000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    redoc.screenshot(path=str(SCREENSHOTS / "api-redoc.png"))
    assert [text for text in refused if REDOC_LOGO not in text] == []
    assert [url for url in requests if not url.startswith((live_server.url, "data:", "blob:"))] in ([], [REDOC_LOGO])

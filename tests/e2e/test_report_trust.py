"""Issue 14 in the browser, in Dutch and English: the "no team" row, a rounded half, and a CSV Excel can open."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcare import roles
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, TeamFactory, UserFactory

WORDS = {
    "en": {"no_team": "No team", "excel": "Excel in Dutch (;)", "half": "3.13", "separator": ";"},
    "nl": {"no_team": "Geen team", "excel": "Excel in het Nederlands (;)", "half": "3,13", "separator": ";"},
}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_manager_sees_the_no_team_row_and_downloads_a_csv_for_excel(login, page, a11y, screenshot, language):
    maria = UserFactory(username="maria", first_name="Maria", last_name="van Dijk", role=roles.MANAGER)
    anna = UserFactory(username="anna", first_name="Anna", last_name="de Vries")
    north = TeamFactory(name="Team Noord", members=[anna])
    last_week = IsoWeek.last_complete(timezone.now())
    # Seven contacts of Team Noord and one without a team: sentiment at start 7 × 3 + 4 = 25 of 8, exactly 3.125
    for n in range(8):
        ContactMomentFactory(
            customer=CustomerFactory(),
            logged_by=anna,
            team=None if n == 7 else north,
            occurred_at=last_week.start + timedelta(hours=10 + n),
            sentiment_start=4 if n == 0 else 3,
            sentiment_end=3,
        )
    words = WORDS[language]

    login(maria, language=language)

    no_team = page.locator(".per-team tr.no-team")
    expect(no_team.locator("th")).to_have_text(words["no_team"])
    expect(no_team.locator("td").first).to_have_text("1")
    expect(page.locator('tr[data-figure="sentiment_start_avg"] td').first).to_have_text(words["half"])
    a11y(f"weekly report with the no-team row ({language})")
    screenshot(f"weekly-report-no-team-{language}")

    page.select_option("#r-sep", label=words["excel"])
    page.locator("button[type=submit]", has_text="Show" if language == "en" else "Toon").click()
    page.wait_for_url("**sep=semicolon*")
    with page.expect_download() as download:
        page.locator("[data-download=csv]").click()
    body = Path(download.value.path()).read_bytes()

    assert download.value.suggested_filename == f"contactcare-{last_week.label}.csv"
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header.count(";") == 5 and "," not in header

"""A manager reads a closed week in a real browser, in Dutch and in English: when it closed, the kept figures,
and what changed since (issue 14, item 3); the page passes axe and the content security policy."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contactcare import roles
from followups.models import Promise
from reports.closing import week_close
from reports.models import ClosedWeek
from reports.weeks import IsoWeek

from ..factories import ContactMomentFactory, CustomerFactory, PromiseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {"closed": "Closed ", "since": "Since ", "kept_late": "1 broken promise kept late"},
    "nl": {"closed": "Afgesloten ", "since": "Sinds ", "kept_late": "1 gebroken belofte alsnog nagekomen"},
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_manager_reads_a_closed_week_and_what_changed_since(language, login, page, live_server, a11y, screenshot):
    maria = UserFactory(username="maria", first_name="Maria", last_name="van Dijk", role=roles.MANAGER)
    anna = UserFactory(username="anna", first_name="Anna", last_name="Jansen")
    team = TeamFactory(name="Team Noord", members=[anna])
    last_week = IsoWeek.last_complete(timezone.now())
    promises = []
    for i in range(3):
        moment = ContactMomentFactory(
            customer=CustomerFactory(), logged_by=anna, team=team, occurred_at=last_week.start + timedelta(hours=10 + i)
        )
        promises.append(PromiseFactory(moment=moment, due_at=moment.occurred_at + timedelta(hours=2)))
    # closed with three broken promises; then one of them is kept, late
    week_close(week=last_week, now=timezone.now(), actor=maria, how=ClosedWeek.How.COMMAND)
    Promise.objects.filter(pk=promises[0].pk).update(status=Promise.Status.KEPT, kept_at=timezone.now())

    login(maria, language=language)
    page.goto(f"{live_server.url}/reports/weekly/?week={last_week.label}")

    banner = page.locator(".closed-week")
    expect(banner).to_contain_text(TEXT[language]["closed"])
    expect(banner.locator(".since")).to_contain_text(TEXT[language]["kept_late"])
    expect(page.locator(".figures thead th").nth(3)).to_contain_text(TEXT[language]["since"])
    expect(page.locator('tr[data-figure="broken"] td').first).to_have_attribute("data-value", "3")
    expect(page.locator('td[data-since="broken"]')).to_have_text("−1")
    expect(page.locator('td[data-since="kept_late"]')).to_have_text("+1")
    a11y(f"closed week ({language})")
    screenshot(f"closed-week-{language}")

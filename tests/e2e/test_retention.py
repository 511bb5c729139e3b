"""Retention in a real browser: a manager checks the month's list, keeps one customer, confirms; the rest is erased."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from contactcare import roles
from contacts.models import Customer
from followups.models import RetentionReview
from followups.privacy import customer_is_erased
from followups.tasks import retention_erase_task, retention_list_task

from ..factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
LONG_AGO = datetime(2012, 3, 14, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _quiet_customer(name: str, *, contacted: bool) -> Customer:
    customer = CustomerFactory(full_name=name)
    Customer.objects.filter(pk=customer.pk).update(created_at=LONG_AGO, last_contact_at=LONG_AGO if contacted else None)
    return customer


def test_a_manager_keeps_one_customer_and_confirms_the_retention_list(login, page, live_server, settings, a11y):
    settings.RETENTION_YEARS = 7
    maria = UserFactory(username="maria", first_name="Maria", last_name="Jansen", role=roles.MANAGER)
    kept = _quiet_customer("Hendrik Stoker", contacted=True)
    gone = _quiet_customer("Anneke Vlieger", contacted=False)
    CustomerFactory(full_name="Sophie Recent")  # created today: not on the list
    retention_list_task()  # what beat starts on the 1st

    # the manager finds the list from the Customers page
    login(maria)
    page.goto(f"{live_server.url}/customers/")
    page.get_by_role("link", name="Retention").click()
    page.get_by_role("link", name=RetentionReview.objects.get().month.strftime("%Y-%m")).click()
    rows = page.locator("tr.retention-candidate")
    expect(rows).to_have_count(2)
    expect(page.locator("table.retention-candidates")).not_to_contain_text("Sophie Recent")
    a11y("retention list")

    # keeps one customer with a reason
    rows.filter(has_text="Hendrik Stoker").get_by_role("link", name="Exclude…").click()
    page.get_by_label("Why does this customer stay?").fill("Legal hold")
    page.get_by_role("button", name="Exclude from the list").click()
    expect(page.locator(".alert-success")).to_contain_text("excluded from this list")
    expect(rows.filter(has_text="Hendrik Stoker")).to_contain_text("Legal hold")

    # confirms the rest
    page.get_by_role("button", name="Confirm: erase 1 customer").click()
    expect(page.locator(".alert-success")).to_contain_text("List confirmed")
    expect(page.locator(".retention-status")).to_have_text("Confirmed, being erased")

    # the hourly erase run, then the page shows the counts
    retention_erase_task()
    page.reload()
    expect(page.locator(".retention-status")).to_have_text("Done")
    expect(page.locator("#count-erased")).to_have_text("1")
    expect(page.locator("#count-excluded")).to_have_text("1")
    expect(page.locator("#count-waiting")).to_have_text("0")
    expect(page.locator("table.retention-candidates")).not_to_contain_text("Anneke Vlieger")
    assert customer_is_erased(Customer.objects.get(pk=gone.pk))
    assert not customer_is_erased(Customer.objects.get(pk=kept.pk))

"""The UI speaks Dutch and English; the Dutch catalogue is complete and compiled."""

import ast
import gettext
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ..factories import ContactMomentFactory

pytestmark = pytest.mark.django_db
LOCALE = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES"


def _po_entries(path: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (plural forms: the singular), without the header."""
    entries, key, current = {}, None, {}
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith(("msgid ", "msgstr ", "msgstr[0] ", "msgid_plural ", "msgstr[1] ")):
            key = line.split(" ", 1)[0]
            current[key] = ast.literal_eval(line.split(" ", 1)[1])
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        elif not line.strip() and current:
            if current.get("msgid"):
                entries[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
            current, key = {}, None
    return entries


def test_the_dutch_page_renders_dutch_strings(staff_client):
    response = staff_client.get(reverse("contacts:customer-search"), headers={"Accept-Language": "nl"})

    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert "Klant zoeken" in html
    assert "Find a customer" not in html


def test_the_english_page_renders_english_strings(staff_client):
    response = staff_client.get(reverse("contacts:customer-search"), headers={"Accept-Language": "en"})

    assert "Find a customer" in response.content.decode()


def test_the_language_switch_sticks(staff_client):
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/"}, headers={"Accept-Language": "nl"})

    response = staff_client.get(reverse("contacts:customer-search"), headers={"Accept-Language": "nl"})

    assert "Find a customer" in response.content.decode()


def test_form_errors_come_in_the_users_language(staff_client):
    response = staff_client.post(
        reverse("contacts:customer-create"), {"full_name": "", "language": "nl"}, headers={"Accept-Language": "nl"}
    )

    assert response.context["form"].errors["full_name"] == ["Dit veld is verplicht."]


def test_service_errors_come_in_the_users_language(staff_client):
    response = staff_client.post(
        reverse("contacts:customer-create"),
        {"full_name": "Jan", "phone": "12", "language": "nl"},
        headers={"Accept-Language": "nl"},
    )

    assert "Dit is geen telefoonnummer dat we kunnen bellen" in response.context["form"].errors["phone"][0]


def test_dates_read_day_first_in_both_languages(staff_client):
    when = timezone.make_aware(datetime(2025, 3, 4, 14, 5))  # not this year: the year is shown
    customer = ContactMomentFactory(occurred_at=when).customer

    page_nl = staff_client.get(customer.get_absolute_url(), headers={"Accept-Language": "nl"})
    page_en = staff_client.get(customer.get_absolute_url(), headers={"Accept-Language": "en"})

    assert "di 4 mrt 2025 14:05" in page_nl.content.decode()
    assert "Tue 4 Mar 2025 14:05" in page_en.content.decode()


def test_every_dutch_message_is_translated():
    entries = _po_entries(LOCALE / "django.po")

    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert len(entries) > 100
    assert untranslated == []
    assert "#, fuzzy\nmsgid" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_the_compiled_catalogue_matches_the_po_file():
    entries = _po_entries(LOCALE / "django.po")
    with open(LOCALE / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)

    stale = [msgid for msgid, msgstr in entries.items() if catalogue.gettext(msgid) != msgstr]
    assert stale == [], "run `make messages` to recompile locale/nl"

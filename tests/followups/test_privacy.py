"""Privacy requests: export everything held on one customer, erase the person, keep the counts."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from coaching.models import ThankYouNote
from contactcare import roles
from contactcare.models import PrivacyAudit
from contacts.models import ContactMoment, Customer, CustomerDetail
from contacts.services import customer_create, customer_detail_add, customer_update
from followups import notifications
from followups.models import CheckIn, Notification, Promise
from followups.privacy import customer_erase, customer_export, customer_export_data
from followups.services import checkin_skip, contact_log
from reports.selectors import report_tables

from ..factories import UserFactory
from ..reports.conftest import NOW, W45, week  # noqa: F401 - the hand-counted week, as a fixture

NAME = "Wilhelmina Zonneveld-Quast"
TYPED_PHONE = "06 4471 2288"
E164 = "+31644712288"
EMAIL = "w.zonneveld@voorbeeld.nl"
DETAIL = "Dochter Fenna studeert in Utrecht"


@pytest.fixture
def person(db, settings, default_policy):
    """A customer built through the services, so every history table and notification holds her."""
    settings.LANGUAGE_CODE = "en"
    settings.DIGEST_TIME = "00:00"
    desk = UserFactory(username="desk", role=roles.STAFF)
    colleague = UserFactory(username="colleague", role=roles.STAFF)
    customer = customer_create(actor=desk, full_name=NAME, phone=TYPED_PHONE, email=EMAIL)
    customer_update(customer=customer, actor=desk, preferred_address="Mevrouw Zonneveld-Quast")
    customer_detail_add(customer=customer, actor=desk, text=DETAIL)
    moment = contact_log(
        customer=customer,
        actor=desk,
        occurred_at=timezone.now() - timedelta(minutes=5),
        summary=f"{NAME} belde over {DETAIL}",
        promises=[
            {
                "description": f"Terugbellen op {TYPED_PHONE}",
                "owner": colleague,
                "due_at": timezone.now() + timedelta(days=2),
            }
        ],
    )
    checkin = CheckIn.objects.filter(customer=customer).first()
    checkin_skip(checkin=checkin, reason=f"{NAME} is op vakantie", actor=desk)
    # A morning digest naming her (and someone else, who must stay)
    other = customer_create(actor=desk, full_name="Bartholomeus Ander", phone="0612345670")
    Promise.objects.create(
        customer=other,
        moment=moment,
        description="Brochure sturen",
        owner=colleague,
        created_by=desk,
        due_at=timezone.now() + timedelta(minutes=1),
    )
    Promise.objects.create(
        customer=customer,
        moment=moment,
        description="Factuur nasturen",
        owner=colleague,
        created_by=desk,
        due_at=timezone.now() + timedelta(minutes=1),
    )
    notifications.digests_create(now=timezone.now())
    # Issue 14: a lead's thank-you note for the contact, its text (typed before the check) naming her
    note = ThankYouNote.objects.create(
        sender=colleague, recipient=desk, week=timezone.localdate(), compliments=1, text=f"Mooi hoe je {NAME} hielp."
    )
    note.contacts.add(moment)
    LogEntry.objects.log_actions(desk.pk, [customer], CHANGE, change_message="[]")
    customer.refresh_from_db()
    return customer


def _text_values():
    """(table, value) of every text, char and binary column of every model, historical ones included."""
    for model in apps.get_models(include_auto_created=True):
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.BinaryField | models.JSONField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if value is None:
                    continue
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("utf-8", "ignore")
                yield model._meta.db_table, str(value)


def test_after_erasing_no_table_holds_the_person(person):
    manager = UserFactory(username="boss", role=roles.MANAGER)
    searched = [NAME, "Zonneveld", TYPED_PHONE, E164, EMAIL, DETAIL]
    found_before = {s for _, value in _text_values() for s in searched if s.casefold() in value.casefold()}
    assert found_before == set(searched)  # the scan sees every place she is kept

    customer_erase(customer=person, actor=manager, reason="AVG request 2026-118")

    found = [(table, s) for table, value in _text_values() for s in searched if s.casefold() in value.casefold()]
    assert found == []
    assert Customer.objects.filter(full_name="Bartholomeus Ander").exists()
    digest = Notification.objects.get(kind=Notification.Kind.DIGEST)
    assert "Bartholomeus Ander" in digest.body and "Erased customer" in digest.body
    # The thank-you note stays (it was for the colleague), without the link to her contact or her name
    note = ThankYouNote.objects.get()
    assert (list(note.contacts.all()), note.text, note.compliments) == ([], "(erased)", 1)


def test_erasing_anonymises_in_place_and_closes_what_is_ahead(person):
    manager = UserFactory(username="boss", role=roles.MANAGER)
    moments, checkins = ContactMoment.objects.filter(customer=person).count(), CheckIn.objects.filter(customer=person)

    customer_erase(customer=person, actor=manager, reason="AVG request 2026-118")

    person.refresh_from_db()
    assert (person.full_name, person.customer_number) == ("Erased customer", f"ERASED-{person.pk}")
    assert (person.phone, person.email, person.preferred_address, person.search_name) == ("", "", "", "")
    assert not CustomerDetail.objects.filter(customer=person).exists()
    assert ContactMoment.objects.filter(customer=person).count() == moments
    assert set(ContactMoment.objects.filter(customer=person).values_list("summary", flat=True)) == {"(erased)"}
    assert not checkins.open().exists()
    assert set(checkins.filter(status="skipped").values_list("skip_reason", flat=True)) == {"erased"}
    promise = Promise.objects.get(
        customer=person,
        owner__username="colleague",
        moment__isnull=False,
        pk=min(Promise.objects.filter(customer=person).values_list("pk", flat=True)),
    )
    assert (promise.status, promise.cancel_reason, promise.description) == ("cancelled", "erased", "(erased)")
    notification = Notification.objects.get(kind=Notification.Kind.PROMISE_ASSIGNED)
    assert notification.subject == "About an erased customer"


def test_erasing_is_audited_without_personal_data(person):
    manager = UserFactory(username="boss", role=roles.MANAGER)

    customer_erase(customer=person, actor=manager, reason="AVG request 2026-118")

    audit = PrivacyAudit.objects.get()
    assert (audit.act, audit.actor, audit.customer_id, audit.reason) == (
        "erase",
        manager,
        person.pk,
        "AVG request 2026-118",
    )


def test_the_reason_may_not_name_the_person_and_nothing_is_erased_then(person):
    manager = UserFactory(username="boss", role=roles.MANAGER)

    with pytest.raises(ValidationError) as error:
        customer_erase(customer=person, actor=manager, reason=f"Verzoek van {NAME}")

    assert "reason" in error.value.error_dict
    person.refresh_from_db()
    assert person.full_name == NAME
    assert not PrivacyAudit.objects.exists()


def test_erasing_twice_is_refused(person):
    manager = UserFactory(username="boss", role=roles.MANAGER)
    customer_erase(customer=person, actor=manager, reason="AVG 1")

    with pytest.raises(ValidationError, match="already been erased"):
        customer_erase(customer=person, actor=manager, reason="AVG 2")
    assert PrivacyAudit.objects.count() == 1


@pytest.mark.parametrize("erased", [0, 1, 2, 3])
def test_the_hand_counted_week_keeps_every_figure(db, week, erased):  # noqa: F811
    north, south, _ = week
    customer = list(Customer.objects.order_by("pk"))[erased]  # c1 has a broken promise, c3 a cancelled one
    manager = UserFactory(username="boss", role=roles.MANAGER)
    before = report_tables(week=W45, now=NOW, teams=[north, south])
    following_before = report_tables(week=W45.following(), now=NOW, teams=[north, south])

    customer_erase(customer=customer, actor=manager, reason="AVG request")

    assert report_tables(week=W45, now=NOW, teams=[north, south]) == before
    assert report_tables(week=W45.following(), now=NOW, teams=[north, south]) == following_before


def test_the_export_holds_everything_and_its_history(person):
    manager = UserFactory(username="boss", role=roles.MANAGER)

    archive = customer_export(customer=person, actor=manager)

    with zipfile.ZipFile(io.BytesIO(archive.read())) as zf:
        assert sorted(zf.namelist()) == ["customer.html", "customer.json"]
        html = zf.read("customer.html").decode()
        data = json.loads(zf.read("customer.json"))
    assert NAME in html and DETAIL in html
    assert data["customer"]["email"] == EMAIL
    assert [d["text"] for d in data["details"]] == [DETAIL]
    # day 3, week 6 and the keep-informed check-in of her promise (issue 13)
    assert len(data["contacts"]) == 1 and len(data["promises"]) == 2 and len(data["checkins"]) == 3
    assert [n["kind"] for n in data["notifications"]] == ["promise_assigned"]
    assert "Bartholomeus" not in json.dumps(data)
    assert {row["preferred_address"] for row in data["history"]["customer"]} == {"", "Mevrouw Zonneveld-Quast"}
    assert data["history"]["checkins"] and data["history"]["promises"] and data["history"]["contacts"]
    audit = PrivacyAudit.objects.get()
    assert (audit.act, audit.customer_id) == ("export", person.pk)


def test_export_data_reads_without_writing(person, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):  # 13th: the customer's telephone calls (cti, issue 12); 14th: handovers
        customer_export_data(customer=person)
    assert not PrivacyAudit.objects.exists()


# --- Screens ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.STAFF, roles.TEAM_LEAD])
def test_staff_and_leads_may_neither_export_nor_erase(client, person, role):
    client.force_login(UserFactory(username="someone", role=role))

    assert client.post(reverse("followups:customer-export", args=[person.pk])).status_code == 403
    assert client.get(reverse("followups:customer-erase", args=[person.pk])).status_code == 403
    response = client.post(
        reverse("followups:customer-erase", args=[person.pk]),
        {"confirmation": person.customer_number, "reason": "x"},
    )
    assert response.status_code == 403
    page = client.get(person.get_absolute_url())
    assert "Export data" not in page.content.decode()
    assert Customer.objects.get(pk=person.pk).full_name == NAME


def test_a_manager_sees_the_privacy_card_and_downloads_a_zip(client, person):
    client.force_login(UserFactory(username="boss", role=roles.MANAGER))

    page = client.get(person.get_absolute_url()).content.decode()
    response = client.post(reverse("followups:customer-export", args=[person.pk]))

    assert "Export data" in page and "Erase…" in page
    assert response["Content-Type"] == "application/zip"
    assert f'filename="customer-{person.pk}-export.zip"' in response["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).testzip() is None


def test_erase_needs_the_customer_number_typed_back(client, person):
    client.force_login(UserFactory(username="boss", role=roles.MANAGER))
    url = reverse("followups:customer-erase", args=[person.pk])

    response = client.post(url, {"confirmation": "K0000000", "reason": "AVG request"})

    assert response.status_code == 200
    assert "This is not the customer number of this customer." in response.content.decode()
    assert Customer.objects.get(pk=person.pk).full_name == NAME


def test_erase_confirmed_lands_on_the_anonymous_customer_page(client, person):
    client.force_login(UserFactory(username="boss", role=roles.MANAGER))
    url = reverse("followups:customer-erase", args=[person.pk])
    assert "cannot be undone" in client.get(url).content.decode()

    response = client.post(url, {"confirmation": person.customer_number.lower(), "reason": "AVG request"}, follow=True)

    body = response.content.decode()
    assert response.redirect_chain[-1][0] == person.get_absolute_url()
    assert "The customer has been erased." in body and "Erased customer" in body and NAME not in body


def test_an_imported_person_is_gone_from_the_import_files_and_their_reports(
    db, settings, django_capture_on_commit_callbacks
):
    """A finished import drops its file and preview; erasing clears her from reports and unfinished files."""
    from contacts import imports
    from contacts.models import CustomerImport
    from contacts.tasks import customer_import_task

    settings.LANGUAGE_CODE = "en"
    manager = UserFactory(username="boss", role=roles.MANAGER)
    header = "Klantnummer;Naam;Telefoon;E-mail"
    lines = [header, f"K-7001;{NAME};{TYPED_PHONE};{EMAIL}", "K-7001;Ander Persoon;0612345670;"]
    content = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()

    done = imports.customer_import_upload(actor=manager, file_name="klanten.csv", content=content, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        imports.customer_import_start(customer_import=done, actor=manager)
    customer_import_task(done.pk)
    done.refresh_from_db()
    assert (done.status, bytes(done.content), done.preview) == (CustomerImport.Status.DONE, b"", [])
    assert done.created == 1 and any("K-7001" in error["message"] for error in done.errors)  # number twice

    waiting = imports.customer_import_upload(actor=manager, file_name="nog.csv", content=content, language="en")
    assert waiting.status == CustomerImport.Status.CHECKED and NAME in json.dumps(waiting.preview)

    customer_erase(customer=Customer.objects.get(customer_number="K-7001"), actor=manager, reason="AVG 2026-9")

    searched = [NAME, "Zonneveld", TYPED_PHONE, E164, EMAIL, "K-7001"]
    found = [(table, s) for table, value in _text_values() for s in searched if s.casefold() in value.casefold()]
    assert found == []
    waiting.refresh_from_db()
    assert waiting.status == CustomerImport.Status.FAILED and "discarded" in waiting.stop_reason
    with pytest.raises(ValidationError):
        imports.customer_import_start(customer_import=waiting, actor=manager)


def test_a_two_letter_name_does_not_block_a_reason_that_happens_to_contain_it(db):
    """A retention run's reason ("Retention 2026-12 …") must not be refused for a customer called "Re"."""
    manager = UserFactory(username="boss", role=roles.MANAGER)
    customer = customer_create(actor=manager, full_name="Re")
    customer_erase(customer=customer, actor=manager, reason="Retention 2026-12 (7 years without contact)")
    customer.refresh_from_db()
    assert customer.full_name != "Re" and customer.customer_number.startswith("ERASED-")

"""The rules every write obeys, whoever writes: bounds, lengths, normal forms, authors."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contactcare.services import system_user
from contacts import selectors as contact_selectors
from contacts import services as contact_services
from contacts.models import ContactMoment, Customer, CustomerDetail
from contacts.normalize import phone_normalize
from followups import services
from followups.models import CheckIn, CheckInPolicy

from ..dates import business_day_ahead
from ..factories import CheckInFactory, CustomerFactory, PromiseFactory, UserFactory
from ..forms import contact_log_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "1900-01-01T10:00", "1999-12-31T23:59"])
def test_a_contact_before_the_earliest_date_is_a_form_error_and_nothing_is_stored(staff_client, typed):
    customer = CustomerFactory()

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(occurred_at=typed),
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 200
    assert "cannot be logged; check the year" in response.context["form"].errors["occurred_at"][0]
    assert not ContactMoment.objects.exists()
    assert staff_client.get(customer.get_absolute_url() + "?page=5").status_code == 200


def test_a_contact_far_in_the_future_is_a_form_error(staff_client):
    customer = CustomerFactory()

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]), contact_log_data(occurred_at="9999-12-31T23:59")
    )

    assert response.status_code == 200
    assert "occurred_at" in response.context["form"].errors
    assert not ContactMoment.objects.exists()


def test_a_pasted_5000_character_summary_is_refused_with_its_length_not_cut(staff_client):
    customer = CustomerFactory()

    response = staff_client.post(
        reverse("followups:contact-log", args=[customer.pk]),
        contact_log_data(summary="x" * 5000),
        headers={"Accept-Language": "en"},
    )

    assert "5000" in response.context["form"].errors["summary"][0]
    assert not ContactMoment.objects.exists()
    assert 'maxlength="2000"' not in response.content.decode()  # the browser must not cut a paste either


def test_a_250_character_detail_is_refused_with_a_message_not_cut(staff_client):
    customer = CustomerFactory()

    response = staff_client.post(
        reverse("contacts:customer-detail-add", args=[customer.pk]),
        {"text": "d" * 250},
        follow=True,
        headers={"Accept-Language": "en"},
    )

    assert not CustomerDetail.objects.exists()
    assert "The detail was not added" in response.content.decode()
    assert "250" in response.content.decode()


def test_the_service_stores_a_typed_phone_number_in_its_normal_form_so_search_finds_it(staff_user):
    customer = contact_services.customer_create(actor=staff_user, full_name="Erik Bos", phone="06 1234 5678")

    assert customer.phone == "+31612345678"
    assert contact_selectors.customer_search(query="0612345678") == [customer]


def test_the_service_refuses_a_number_it_cannot_call(staff_user):
    with pytest.raises(ValidationError) as refused:
        contact_services.customer_create(actor=staff_user, full_name="Erik Bos", phone="06 97910201")

    assert "phone" in refused.value.error_dict
    assert not Customer.objects.exists()


def test_an_odd_stored_number_does_not_block_correcting_the_form_of_address(staff_client):
    customer = CustomerFactory(phone="06 97910201")  # stored before numbers were checked

    response = staff_client.post(
        reverse("contacts:customer-update", args=[customer.pk]),
        {
            "full_name": customer.full_name,
            "preferred_address": "mevrouw Bos",
            "customer_number": customer.customer_number,
            "phone": "06 97910201",
            "email": customer.email,
            "language": "nl",
        },
    )

    customer.refresh_from_db()
    assert response.status_code == 302
    assert customer.preferred_address == "mevrouw Bos"


def test_manual_customer_numbers_do_not_derail_the_automatic_ones(staff_user):
    first = contact_services.customer_create(actor=staff_user, full_name="Automatisch Een")
    contact_services.customer_create(actor=staff_user, full_name="Handmatig", customer_number="K9")
    contact_services.customer_create(actor=staff_user, full_name="Handmatig Twee", customer_number="KLANT-1")
    following = int(first.customer_number[1:]) + 1
    contact_services.customer_create(actor=staff_user, full_name="Bezet", customer_number=f"K{following:07d}")

    created = [contact_services.customer_create(actor=staff_user, full_name=f"Nieuw {n}") for n in range(3)]

    numbers = [int(c.customer_number[1:]) for c in created]
    assert numbers == [following + 1, following + 2, following + 3]  # the taken one is skipped, none jumps


def test_a_duplicate_customer_number_is_a_field_error(staff_user):
    contact_services.customer_create(actor=staff_user, full_name="Een", customer_number="k 100")

    with pytest.raises(ValidationError) as refused:
        contact_services.customer_create(actor=staff_user, full_name="Twee", customer_number="K100")

    assert "customer_number" in refused.value.error_dict


def test_a_policy_that_cannot_plan_is_refused_on_the_policy_page(manager_client):
    policy = CheckInPolicy.objects.get()

    response = manager_client.post(
        reverse("followups:policy-update", args=[policy.pk]),
        {"name": policy.name, "is_active": "on", "offsets": "3 days", "day_type": "business", "holiday_country": "NL"},
    )

    assert response.status_code == 200
    assert "offsets" in response.context["form"].errors
    policy.refresh_from_db()
    assert policy.offsets == "3d, 6w"


def test_a_stored_bad_policy_does_not_break_logging(staff_user, caplog):
    CheckInPolicy.objects.update(offsets="3 days")  # saved by hand, before the rules
    CheckInPolicy.objects.create(name="Z tweede", offsets="2d", directions=["in"])

    moment = services.contact_log(
        customer=CustomerFactory(), actor=staff_user, channel="phone", direction="in", summary="Vraag"
    )

    assert [checkin.kind for checkin in moment.planned_checkins.all()] == ["2d"]
    assert "unreadable offsets" in caplog.text


def test_the_admin_refuses_a_policy_that_cannot_plan(admin_client):
    policy = CheckInPolicy.objects.get()

    response = admin_client.post(
        reverse("admin:followups_checkinpolicy_change", args=[policy.pk]),
        {"name": policy.name, "is_active": "on", "offsets": "3 days", "day_type": "business", "holiday_country": "XX"},
    )

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) >= {"offsets"}
    policy.refresh_from_db()
    assert policy.offsets == "3d, 6w"


def test_the_admin_saves_customers_through_the_service(admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:contacts_customer_add"),
        {"full_name": "  Ada  Admin ", "phone": "020 123 4567", "email": "ADA@Example.org", "language": "nl",
         "details-TOTAL_FORMS": "0", "details-INITIAL_FORMS": "0"},
    )  # fmt: skip

    customer = Customer.objects.get()
    assert response.status_code == 302
    assert (customer.full_name, customer.phone, customer.email) == ("Ada Admin", "+31201234567", "ada@example.org")
    assert customer.customer_number.startswith("K")
    assert customer.history.get().history_user == admin_user


def test_a_promise_or_reschedule_beyond_the_horizon_is_refused(staff_user):
    checkin = CheckInFactory()

    with pytest.raises(ValidationError) as far:
        services.checkin_reschedule(
            checkin=checkin, due=timezone.localdate() + timedelta(days=5000), reason="later", actor=staff_user
        )

    assert "due_date" in far.value.error_dict


def test_every_service_history_row_has_an_author_outside_a_request():
    system = system_user()
    checkin = CheckInFactory()
    promise = PromiseFactory()
    other = PromiseFactory()

    services.checkin_reschedule(checkin=checkin, due=business_day_ahead(2), reason="asked", actor=system)
    services.checkin_skip(checkin=checkin, reason="moved abroad", actor=system)
    services.promise_keep(promise=promise, actor=system)
    services.promise_cancel(promise=other, reason="solved", actor=system)
    moment = services.contact_log(
        customer=CustomerFactory(), actor=system, logged_by=UserFactory(), channel="phone", direction="in", summary="x"
    )

    rows = [
        *CheckIn.history.filter(id=checkin.pk).exclude(history_type="+"),
        *promise.history.exclude(history_type="+"),
        *other.history.exclude(history_type="+"),
        *moment.history.all(),
        *CheckIn.history.filter(origin_id=moment.pk),
    ]
    assert len(rows) >= 7
    assert {row.history_user for row in rows} == {system}
    assert not system.is_active and not system.has_usable_password()


def test_the_demo_data_has_only_numbers_the_app_accepts():
    call_command("seed_demo", stdout=io.StringIO())

    phones = list(Customer.objects.exclude(phone="").values_list("phone", flat=True))
    assert phones and all(phone_normalize(phone) == phone for phone in phones)


def test_the_same_detail_twice_is_refused_so_a_double_click_notes_it_once(staff_client):
    customer = CustomerFactory()
    url = reverse("contacts:customer-detail-add", args=[customer.pk])

    staff_client.post(url, {"text": "Heeft een pasgeboren dochter"})
    again = staff_client.post(url, {"text": " heeft een pasgeboren  dochter"[1:]}, follow=True)

    assert customer.details.count() == 1
    assert "already noted" in again.content.decode() or "staat al bij deze klant" in again.content.decode()


@pytest.mark.parametrize("raw", ["0", "9223372036854775808", "99999999999999999999999"])
def test_an_id_in_a_path_past_64_bits_is_a_404_on_every_database(staff_client, raw):
    response = staff_client.post(f"/customers/{raw}/details/{raw}/pin/", {"pinned": "1"})

    assert response.status_code == 404

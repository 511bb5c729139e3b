"""Issue 9, item 3: a new customer from a search without hits; focus where the user types next."""

import re

import pytest
from django.urls import reverse

from contacts.models import Customer

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}


def _input(html: str, name: str) -> str:
    """The <input> tag of field `name` in the page."""
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)


def _focused(html: str) -> list[str]:
    """Names of the fields that carry autofocus."""
    tags = re.findall(r"<(?:input|select|textarea)[^>]*>", html)
    return [re.search(r'name="([^"]+)"', tag).group(1) for tag in tags if re.search(r"\sautofocus[\s>=]", tag)]


def test_no_hit_offers_a_new_customer_with_what_was_typed(staff_client):
    response = staff_client.get(
        reverse("contacts:customer-search"), {"q": "06 2288 4411"}, headers={"HX-Request": "true", **EN}
    )

    assert f'href="{reverse("contacts:customer-create")}?q=06%202288%204411"' in response.content.decode()


def test_a_phone_number_goes_to_phone_as_typed_and_name_has_focus(staff_client):
    response = staff_client.get(reverse("contacts:customer-create"), {"q": "06 2288 4411"}, headers=EN)

    html = response.content.decode()
    assert 'value="06 2288 4411"' in _input(html, "phone")
    assert "value=" not in _input(html, "full_name")
    assert _focused(html) == ["full_name"]


@pytest.mark.parametrize(
    "typed,field,value",
    [
        ("+31 6 2288 4411", "phone", "+31 6 2288 4411"),
        ("3313 4406", "phone", "3313 4406"),
        ("Fleur.de.Wit@example.com", "email", "Fleur.de.Wit@example.com"),
        ("K1000042", "customer_number", "K1000042"),
        ("k 100 0042", "customer_number", "K1000042"),
    ],
)
def test_what_was_typed_goes_to_the_field_it_looks_like(staff_client, typed, field, value):
    response = staff_client.get(reverse("contacts:customer-create"), {"q": typed}, headers=EN)

    form = response.context["form"]
    assert form[field].value() == value
    assert form["full_name"].value() in (None, "")
    assert _focused(response.content.decode()) == ["full_name"]


def test_a_name_goes_to_name_and_focus_moves_on_to_the_next_empty_field(staff_client):
    response = staff_client.get(reverse("contacts:customer-create"), {"q": "Nobody Here"}, headers=EN)

    html = response.content.decode()
    assert 'value="Nobody Here"' in _input(html, "full_name")
    assert "value=" not in _input(html, "phone")
    assert _focused(html) == ["preferred_address"]


def test_opening_the_new_customer_form_directly_puts_focus_on_name(staff_client):
    response = staff_client.get(reverse("contacts:customer-create"), headers=EN)

    assert _focused(response.content.decode()) == ["full_name"]


def test_after_a_refused_save_focus_goes_to_the_field_in_error(staff_client):
    response = staff_client.post(
        reverse("contacts:customer-create"),
        {"full_name": "Nina Bakker", "phone": "12", "language": "nl"},
        headers=EN,
    )

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert _focused(response.content.decode()) == ["phone"]
    assert not Customer.objects.exists()


def test_the_prefilled_phone_is_saved_normalised(staff_client):
    form_page = staff_client.get(reverse("contacts:customer-create"), {"q": "06 2288 4411"}, headers=EN)
    form = form_page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields} | {"full_name": "Sam de Groot"}

    response = staff_client.post(reverse("contacts:customer-create"), data, headers=EN)

    customer = Customer.objects.get()
    assert response.url == customer.get_absolute_url()
    assert customer.phone == "+31622884411"

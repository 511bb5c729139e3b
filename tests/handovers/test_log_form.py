"""Say what happens next: a "no" to "customer fully helped?" never ends without a promise or a handover.

The service refuses it (so the API and the form alike); the form asks "What happens next?", offers a promise
filled in with it (app.js before saving; the server after a refused save, so it works without JavaScript) or a
handover with it as the note.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contacts.models import ContactMoment
from followups import services
from followups.handovers import Receiver
from followups.models import Handover, Promise
from tests.forms import contact_log_data

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
NEXT = "Ask billing whether the double charge can be refunded, and call her back"


def _hidden_fields(html: str) -> dict:
    found = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", html):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            found[name.group(1)] = unescape(value.group(1)) if value else ""
    return found


def _log(client, desk, headers=EN, **fields):
    url = reverse("followups:contact-log", args=[desk.customer.pk])
    page = client.get(url, headers=headers)
    promises = fields.pop("promises", ())
    data = _hidden_fields(page.content.decode()) | contact_log_data(promises=promises, fully_helped="false", **fields)
    return client.post(url, data, headers=headers)


def _due() -> str:
    return timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


# --- The form ----------------------------------------------------------------------------------


def test_the_log_form_asks_what_happens_next_right_after_the_closing_question(client, desk):
    client.force_login(desk.anna)
    html = client.get(reverse("followups:contact-log", args=[desk.customer.pk]), headers=EN).content.decode()

    assert html.index('name="fully_helped"') < html.index("data-next-step") < html.index('name="sentiment_start"')
    assert "What happens next?" in html
    assert 'name="next_step"' in html and 'name="handover_to"' in html
    assert "data-next-step-promise" in html  # "Promise it to the customer", with JavaScript
    assert f'value="team:{desk.zuid.pk}"' in html


def test_a_no_without_what_happens_next_is_refused(client, desk):
    client.force_login(desk.anna)

    response = _log(client, desk)

    assert response.status_code == 200
    assert response.context["form"].has_error("next_step", "required")
    assert "The customer was not fully helped: say what happens next." in unescape(response.content.decode())
    assert not ContactMoment.objects.filter(customer=desk.customer, fully_helped=False).exists()


def test_a_no_with_neither_a_promise_nor_a_handover_is_refused_and_offers_the_promise(client, desk):
    client.force_login(desk.anna)

    response = _log(client, desk, next_step=NEXT)

    form, promises = response.context["form"], response.context["promises"]
    assert form.has_error("next_step", "no_next_way")
    assert "Make what happens next a promise, or hand the customer over" in unescape(response.content.decode())
    # without JavaScript: the promise row comes back filled in with what happens next, owned by the user
    assert promises.management_form["TOTAL_FORMS"].value() == 1
    assert promises.management_form["INITIAL_FORMS"].value() == 0
    offered = promises.forms[0]
    assert (offered["description"].value(), str(offered["owner"].value())) == (NEXT, str(desk.anna.pk))
    assert f'value="{NEXT}"' in unescape(response.content.decode())
    assert not ContactMoment.objects.filter(customer=desk.customer, fully_helped=False).exists()


def test_the_offered_promise_with_a_due_time_saves_the_contact(client, desk):
    client.force_login(desk.anna)
    refused = _log(client, desk, next_step=NEXT)
    data = _hidden_fields(refused.content.decode()) | contact_log_data(
        fully_helped="false", next_step=NEXT, promises=[{"description": NEXT, "due_at": _due(), "owner": desk.anna}]
    )
    data["submission_key"] = _hidden_fields(refused.content.decode())["submission_key"]

    response = client.post(reverse("followups:contact-log", args=[desk.customer.pk]), data, headers=EN)

    assert response.status_code == 302
    moment = ContactMoment.objects.get(customer=desk.customer, fully_helped=False)
    assert list(moment.promises.values_list("description", flat=True)) == [NEXT]


def test_the_offered_row_left_empty_and_a_handover_chosen_instead(client, desk):
    client.force_login(desk.anna)
    refused = _log(client, desk, next_step=NEXT)
    data = _hidden_fields(refused.content.decode()) | contact_log_data(fully_helped="false", next_step=NEXT)
    data |= {
        "promises-TOTAL_FORMS": "1",
        "promises-0-description": "",
        "promises-0-due_at": "",
        "promises-0-owner": str(desk.anna.pk),
        "handover_to": f"user:{desk.chris.pk}",
    }

    response = client.post(reverse("followups:contact-log", args=[desk.customer.pk]), data, headers=EN)

    assert response.status_code == 302
    moment = ContactMoment.objects.get(customer=desk.customer, fully_helped=False)
    assert not moment.promises.exists()
    handover = Handover.objects.get()
    assert (handover.moment, handover.to_user, handover.note) == (moment, desk.chris, NEXT)


def test_a_no_with_a_promise_is_logged(client, desk):
    client.force_login(desk.anna)

    response = _log(
        client, desk, next_step=NEXT, promises=[{"description": NEXT, "due_at": _due(), "owner": desk.anna}]
    )

    assert response.status_code == 302
    assert Promise.objects.filter(description=NEXT, moment__fully_helped=False).count() == 1


def test_a_no_with_a_handover_hands_the_customer_over_with_what_happens_next_as_the_note(client, desk):
    client.force_login(desk.anna)

    response = _log(client, desk, next_step=NEXT, handover_to=f"team:{desk.zuid.pk}")

    assert response.status_code == 302
    moment = ContactMoment.objects.get(customer=desk.customer, fully_helped=False)
    handover = Handover.objects.get()
    assert (handover.customer, handover.moment, handover.to_team, handover.from_user) == (
        desk.customer,
        moment,
        desk.zuid,
        desk.anna,
    )
    assert handover.note == NEXT
    client.force_login(desk.chris)
    assert client.get(reverse("followups:my-day")).context["day"].handovers.count == 1


def test_a_yes_may_hand_over_too_and_then_needs_the_note(client, desk):
    client.force_login(desk.anna)
    url = reverse("followups:contact-log", args=[desk.customer.pk])
    page = _hidden_fields(client.get(url).content.decode())

    without = client.post(url, page | contact_log_data(handover_to=f"user:{desk.chris.pk}"), headers=EN)
    assert without.context["form"].has_error("next_step", "required")  # the note, on the field that holds it
    assert not Handover.objects.exists()

    done = client.post(url, page | contact_log_data(handover_to=f"user:{desk.chris.pk}", next_step=NEXT), headers=EN)
    assert done.status_code == 302
    assert Handover.objects.get().note == NEXT


def test_a_yes_or_not_asked_needs_nothing_more(client, desk):
    client.force_login(desk.anna)
    url = reverse("followups:contact-log", args=[desk.customer.pk])
    for answer in ("true", "unknown"):
        data = _hidden_fields(client.get(url).content.decode()) | contact_log_data(fully_helped=answer)
        assert client.post(url, data).status_code == 302
    assert not Handover.objects.exists()


def test_what_happens_next_of_5000_characters_is_refused_never_cut(client, desk):
    client.force_login(desk.anna)

    response = _log(client, desk, next_step="x" * 5000, handover_to=f"team:{desk.zuid.pk}")

    assert response.context["form"].has_error("next_step", "max_length")
    assert "(it has 5000)" in unescape(response.content.decode())
    assert not Handover.objects.exists()


def test_a_handover_to_someone_not_on_the_list_is_a_form_error(client, desk):
    client.force_login(desk.anna)
    response = _log(client, desk, next_step=NEXT, handover_to="user:999999999999")
    assert "handover_to" in response.context["form"].errors
    assert not ContactMoment.objects.filter(fully_helped=False).exists()


def test_the_refusal_comes_in_the_users_language(client, desk):
    client.force_login(desk.anna)
    response = _log(client, desk, headers={"Accept-Language": "nl"}, next_step=NEXT)
    html = unescape(response.content.decode())
    assert "Wat gebeurt er nu?" in html
    assert "Maak van wat er nu gebeurt een belofte, of draag de klant over" in html


# --- The service (and so the API) --------------------------------------------------------------


def test_the_service_refuses_a_no_with_neither(desk):
    with pytest.raises(ValidationError) as refused:
        services.contact_log(customer=desk.customer, actor=desk.anna, summary="x", fully_helped=False, next_step=NEXT)
    assert refused.value.error_dict["next_step"][0].code == "no_next_way"
    assert not ContactMoment.objects.filter(fully_helped=False).exists()


def test_the_service_logs_a_no_with_a_handover_in_one_transaction(desk):
    moment = services.contact_log(
        customer=desk.customer,
        actor=desk.anna,
        summary="Dubbele afschrijving",
        fully_helped=False,
        next_step=NEXT,
        handover_to=Receiver(team=desk.zuid),
    )
    assert Handover.objects.get().moment == moment


def test_a_refused_handover_logs_nothing(desk):
    with pytest.raises(ValidationError) as refused:
        services.contact_log(
            customer=desk.customer,
            actor=desk.anna,
            summary="x",
            fully_helped=False,
            next_step=NEXT,
            handover_to=Receiver(user=desk.anna),  # oneself
        )
    assert refused.value.error_dict["handover_to"][0].code == "self"
    assert not ContactMoment.objects.filter(summary="x").exists()


def test_the_api_answers_a_no_with_neither_with_a_400_on_next_step(client, desk):
    client.force_login(desk.anna)
    url = f"/api/v1/customers/{desk.customer.pk}/contacts/"

    refused = client.post(url, {"summary": "x", "fully_helped": False}, content_type="application/json", headers=EN)
    logged = client.post(
        url,
        {
            "summary": "x",
            "fully_helped": False,
            "next_step": NEXT,
            "promises": [{"description": NEXT, "due_at": (timezone.now() + timedelta(days=1)).isoformat()}],
        },
        content_type="application/json",
        headers=EN,
    )

    assert refused.status_code == 400
    assert "next_step" in refused.json()["fields"]
    assert logged.status_code == 201, logged.content

"""Correcting and deleting a logged contact (issue 10): who may, what follows, and what the report counts."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactcare import roles
from contacts.models import ContactMoment, Customer
from contacts.selectors import customer_last_contacts, customer_search
from followups.models import CheckIn, Promise
from followups.services import contact_correct, contact_delete
from reports.exports import contacts_csv
from reports.selectors import weekly_report

from ..factories import (
    CheckInFactory,
    ContactMomentFactory,
    CustomerFactory,
    PromiseFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)
from ..forms import DATETIME_LOCAL
from ..reports.conftest import NOW, W45, week  # noqa: F401  (the hand-counted week)

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def correct_data(moment, **fields) -> dict:
    """The correction form as a browser posts it, unchanged unless `fields` say otherwise."""
    data = {
        "customer": moment.customer.customer_number,
        "channel": moment.channel,
        "direction": moment.direction,
        "topic": moment.topic_id or "",
        "summary": moment.summary,
        "outcome": moment.outcome,
        "fully_helped": "unknown",
        "sentiment_start": str(moment.sentiment_start),
        "sentiment_end": str(moment.sentiment_end),
        "occurred_at": timezone.localtime(moment.occurred_at).strftime(DATETIME_LOCAL),
        "team": moment.team_id or "",
        "reason": "typo",
    }
    data.update(fields)
    return data


def logged_days_ago(moment, days):
    ContactMoment.objects.filter(pk=moment.pk).update(created_at=timezone.now() - timedelta(days=days))
    moment.refresh_from_db()
    return moment


# --- Who may ---------------------------------------------------------------------


def test_the_author_corrects_the_topic_the_same_day_and_the_history_says_who_and_why(staff_client, staff_user):
    moment = ContactMomentFactory(logged_by=staff_user, topic=TopicFactory(name="Factuur"))
    repair = TopicFactory(name="Reparatie")

    response = staff_client.post(
        reverse("followups:contact-correct", args=[moment.pk]),
        correct_data(moment, topic=repair.pk, reason="wrong topic picked"),
        follow=True,
        headers=EN,
    )

    assert response.redirect_chain[-1][0].startswith(moment.customer.get_absolute_url())
    assert "Contact corrected." in response.content.decode()
    moment.refresh_from_db()
    assert moment.topic == repair
    last = moment.history.order_by("-history_id").first()
    assert (last.history_user, last.history_change_reason) == (staff_user, "wrong topic picked")
    assert last.prev_record.topic_id != repair.pk


def test_the_author_cannot_correct_a_contact_logged_yesterday(staff_client, staff_user):
    moment = logged_days_ago(ContactMomentFactory(logged_by=staff_user), 1)

    response = staff_client.get(reverse("followups:contact-correct", args=[moment.pk]))

    assert response.status_code == 404


def test_a_colleague_cannot_correct_and_the_author_cannot_delete(client, staff_user):
    moment = ContactMomentFactory(logged_by=staff_user)
    client.force_login(UserFactory(username="colleague"))
    assert client.get(reverse("followups:contact-correct", args=[moment.pk])).status_code == 404

    client.force_login(staff_user)
    assert client.get(reverse("followups:contact-correct", args=[moment.pk])).status_code == 200
    assert client.get(reverse("followups:contact-delete", args=[moment.pk])).status_code == 404


def test_the_lead_of_its_team_corrects_and_deletes_an_old_contact_a_lead_of_another_team_does_not(client, lead_user):
    team = TeamFactory(lead=lead_user)
    moment = logged_days_ago(ContactMomentFactory(team=team), 30)
    client.force_login(lead_user)
    assert client.get(reverse("followups:contact-correct", args=[moment.pk])).status_code == 200
    assert client.get(reverse("followups:contact-delete", args=[moment.pk])).status_code == 200

    other_lead = UserFactory(username="other-lead", role=roles.TEAM_LEAD)
    TeamFactory(lead=other_lead)
    client.force_login(other_lead)
    assert client.get(reverse("followups:contact-delete", args=[moment.pk])).status_code == 404


def test_a_manager_deletes_with_a_required_reason(client, manager_user):
    moment = logged_days_ago(ContactMomentFactory(), 100)
    client.force_login(manager_user)
    url = reverse("followups:contact-delete", args=[moment.pk])

    refused = client.post(url, {"reason": "  "}, headers=EN)
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert ContactMoment.objects.alive().filter(pk=moment.pk).exists()

    response = client.post(url, {"reason": "logged twice"}, follow=True, headers=EN)
    assert "Contact deleted" in response.content.decode()
    moment.refresh_from_db()
    assert (moment.deleted_by, moment.deletion_reason) == (manager_user, "logged twice")


def test_a_second_delete_of_the_same_contact_says_it_was_already_deleted_and_changes_nothing(client, manager_user):
    """A double click or the Back button: the second request finds the contact deleted."""
    moment = logged_days_ago(ContactMomentFactory(), 3)
    client.force_login(manager_user)
    url = reverse("followups:contact-delete", args=[moment.pk])
    client.post(url, {"reason": "logged twice"})
    moment.refresh_from_db()
    deleted = (moment.deleted_at, moment.deletion_reason, moment.history.count())

    again = client.post(url, {"reason": "a second reason"}, follow=True, headers=EN)
    assert again.redirect_chain[-1][0] == moment.customer.get_absolute_url()
    assert "This contact was already deleted." in again.content.decode()
    moment.refresh_from_db()
    assert (moment.deleted_at, moment.deletion_reason, moment.history.count()) == deleted
    assert client.get(url, follow=True).redirect_chain  # the Back button: the same answer, no form


def test_a_deleted_contact_stays_hidden_from_those_who_could_not_delete_it(client, staff_user, manager_user):
    moment = ContactMomentFactory(logged_by=staff_user)
    contact_delete(moment=moment, actor=manager_user, reason="logged twice")
    client.force_login(staff_user)
    assert client.post(reverse("followups:contact-delete", args=[moment.pk]), {"reason": "x"}).status_code == 404
    assert client.get(reverse("followups:contact-correct", args=[moment.pk])).status_code == 404


def test_the_timeline_shows_the_links_each_may_use_without_a_query_per_row(client, staff_user, lead_user):
    team = TeamFactory(lead=lead_user)
    customer = CustomerFactory()
    own = ContactMomentFactory(customer=customer, logged_by=staff_user, summary="mine today")
    logged_days_ago(ContactMomentFactory(customer=customer, logged_by=staff_user, team=team), 2)
    url = reverse("contacts:customer-detail", args=[customer.pk])

    client.force_login(staff_user)
    page = client.get(url, headers=EN).content.decode()
    assert page.count(">Correct</a>") == 1
    assert reverse("followups:contact-correct", args=[own.pk]) in page
    assert "Delete…" not in page

    client.force_login(lead_user)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    ContactMomentFactory.create_batch(5, customer=customer, team=team)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, headers=EN).content.decode()
    assert page.count(">Correct</a>") == 6  # the lead's team's six, not the untеamed one
    assert page.count("Delete…") == 6
    assert len(many) == len(few)


# --- Correcting --------------------------------------------------------------------


def test_a_correction_obeys_the_rules_of_logging(staff_client, staff_user):
    moment = ContactMomentFactory(logged_by=staff_user)

    with pytest.raises(ValidationError) as future:
        contact_correct(moment=moment, actor=staff_user, reason="x", occurred_at=timezone.now() + timedelta(hours=1))
    long = staff_client.post(
        reverse("followups:contact-correct", args=[moment.pk]), correct_data(moment, summary="a" * 2001), headers=EN
    )
    with pytest.raises(ValidationError) as no_reason:
        contact_correct(moment=moment, actor=staff_user, reason=" ", summary="b")

    assert future.value.message_dict["occurred_at"] == ["A contact that happened cannot be in the future."]
    assert "at most 2000 characters (it has 2001)" in long.content.decode()
    assert "reason" in no_reason.value.error_dict
    moment.refresh_from_db()
    assert moment.summary == "Asked about the invoice"


def test_moving_a_contact_moves_its_open_followups_and_the_newer_check_in_of_a_kind_stays(staff_user):
    now = timezone.now()
    wrong, right = CustomerFactory(), CustomerFactory()
    moment = ContactMomentFactory(customer=wrong, occurred_at=now - timedelta(hours=1))
    moved_3d = CheckInFactory(origin=moment, kind="3d")
    moved_6w = CheckInFactory(origin=moment, kind="6w")
    done = CheckInFactory(origin=moment, kind="1w", status=CheckIn.Status.SKIPPED)
    promise = PromiseFactory(moment=moment)
    # At the right customer: an older open 3d (superseded by the moved one) and a newer open 6w (which stays).
    older = CheckInFactory(origin=ContactMomentFactory(customer=right, occurred_at=now - timedelta(days=2)), kind="3d")
    newer = CheckInFactory(
        origin=ContactMomentFactory(customer=right, occurred_at=now - timedelta(minutes=5)), kind="6w"
    )

    contact_correct(moment=moment, actor=staff_user, reason="wrong customer", customer=right)

    for item in (moved_3d, moved_6w, done, promise, older, newer):
        item.refresh_from_db()
    assert (moved_3d.customer, moved_3d.status) == (right, CheckIn.Status.OPEN)
    assert (older.status, older.superseded_by) == (CheckIn.Status.SUPERSEDED, moved_3d)
    assert (moved_6w.customer, moved_6w.status, moved_6w.superseded_by) == (right, CheckIn.Status.SUPERSEDED, newer)
    assert newer.status == CheckIn.Status.OPEN
    assert done.customer == wrong  # closed ones stay where they were
    assert (promise.customer, promise.status) == (right, Promise.Status.OPEN)
    assert moved_3d.history.first().history_change_reason == "wrong customer"
    moment.refresh_from_db()
    assert moment.customer == right


def test_the_form_finds_the_customer_by_number_in_any_spelling(staff_client, staff_user):
    moment = ContactMomentFactory(logged_by=staff_user)
    right = CustomerFactory(customer_number="K1000042")
    url = reverse("followups:contact-correct", args=[moment.pk])

    unknown = staff_client.post(url, correct_data(moment, customer="K999"), headers=EN)
    assert "No customer has this customer number." in unknown.content.decode()

    staff_client.post(url, correct_data(moment, customer="k 100 0042"))
    moment.refresh_from_db()
    assert moment.customer == right


def test_correcting_the_channel_changes_the_report_read_again(week, manager_user):  # noqa: F811
    moment = ContactMoment.objects.get(channel="chat")
    before = weekly_report(week=W45, team=None, now=NOW, teams=list(week[:2]), with_people=False).current

    contact_correct(moment=moment, actor=manager_user, reason="was a call", channel="phone")

    after = weekly_report(week=W45, team=None, now=NOW, teams=list(week[:2]), with_people=False).current
    assert (before["ch_chat_in"], before["ch_phone_in"]) == (1, 1)
    assert (after["ch_chat_in"], after["ch_phone_in"]) == (0, 2)
    assert after["contacts"] == before["contacts"]


# --- Deleting ------------------------------------------------------------------------


def test_deleting_cancels_its_open_promises_and_skips_its_open_check_ins_with_the_reason(manager_user):
    moment = ContactMomentFactory()
    promise, kept = (
        PromiseFactory(moment=moment),
        PromiseFactory(moment=moment, status=Promise.Status.KEPT, kept_at=timezone.now()),
    )
    checkin = CheckInFactory(origin=moment)

    contact_delete(moment=moment, actor=manager_user, reason="logged on the wrong desk")

    promise.refresh_from_db(), kept.refresh_from_db(), checkin.refresh_from_db()
    assert (promise.status, promise.cancel_reason) == (Promise.Status.CANCELLED, "logged on the wrong desk")
    assert kept.status == Promise.Status.KEPT
    assert (checkin.status, checkin.skip_reason) == (CheckIn.Status.SKIPPED, "logged on the wrong desk")
    assert moment.history.first().history_user == manager_user
    with pytest.raises(ValidationError):
        contact_delete(moment=moment, actor=manager_user, reason="again")
    with pytest.raises(ValidationError):
        contact_correct(moment=moment, actor=manager_user, reason="too late", summary="x")


def test_a_deleted_contact_leaves_the_timeline_the_last_contacts_and_the_search_date(staff_client, manager_user):
    customer = CustomerFactory(full_name="Wilma Timmermans")
    kept = ContactMomentFactory(customer=customer, occurred_at=timezone.now() - timedelta(days=3))
    gone = ContactMomentFactory(customer=customer, occurred_at=timezone.now() - timedelta(hours=1))

    contact_delete(moment=gone, actor=manager_user, reason="test call")

    response = staff_client.get(reverse("contacts:customer-detail", args=[customer.pk]))
    assert list(response.context["timeline"].object_list) == [kept]
    assert response.context["timeline"].paginator.count == 1
    assert customer_last_contacts(customer=customer) == [kept]
    assert customer_search(query="Timmermans")[0].last_contact_at == kept.occurred_at
    assert Customer.objects.get(pk=customer.pk).last_contact_at == kept.occurred_at


def test_the_weekly_report_drops_exactly_the_deleted_contact(week, manager_user):  # noqa: F811
    teams = list(week[:2])
    before = weekly_report(week=W45, team=None, now=NOW, teams=teams, with_people=False).current
    first = ContactMoment.objects.get(channel="phone", is_complaint=True)  # Monday's complaint, with two promises

    contact_delete(moment=first, actor=manager_user, reason="test")

    after = weekly_report(week=W45, team=None, now=NOW, teams=teams, with_people=False).current
    changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
    assert changed == {
        "contacts": (6, 5),
        "inbound": (5, 4),
        "ch_phone_in": (1, 0),
        "complaints": (1, 0),
        "repeat": (2, 1),  # Friday's e-mail was a repeat of it
        "repeat_rate": (40.0, 25.0),
        "helped_asked": (4, 3),
        "helped_share": (75.0, 66.7),
        "sentiment_start_avg": (3.0, 3.2),
        "sentiment_end_avg": (3.5, 3.4),
        "ended_better": (3, 2),
        "ended_better_share": (50.0, 40.0),
        "promises_made": (4, 2),
        "promises_due": (3, 1),  # issue 14: due is what was still owed, the cancelled promise is not (was 4, 2)
        "kept_on_time": (1, 0),
        "broken": (1, 0),
    }


def test_the_contacts_download_leaves_out_a_deleted_contact(week, manager_user):  # noqa: F811
    first = ContactMoment.objects.get(channel="chat")
    lines = "".join(contacts_csv(W45)).splitlines()

    contact_delete(moment=first, actor=manager_user, reason="test")

    after = "".join(contacts_csv(W45)).splitlines()
    assert len(after) == len(lines) - 1
    assert first.customer.customer_number not in "".join(after)

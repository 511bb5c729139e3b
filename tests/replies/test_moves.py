"""Reply-by promises and keep-informed check-ins when contacts or customers move: correcting a contact, merging
two customers, erasing and exporting one (issue 13). One reply is owed per customer and team, always."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contactcare import roles
from followups import services
from followups.merge import customers_merge
from followups.models import CheckIn, CheckInPolicy, Promise
from followups.privacy import customer_erase, customer_export_data
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def email(customer, user, team, *, ago=None, at=None, promise=None):
    promises = (
        [{"description": promise, "owner": user, "due_at": timezone.now() + timedelta(days=9)}] if promise else []
    )
    return services.contact_log(
        customer=customer, actor=user, occurred_at=at or timezone.now() - ago, channel="email", direction="in",
        summary="Mail over de bestelling", team=team, promises=promises,
    )  # fmt: skip


def tuesday(hour):
    """Tuesday 24 November 2026: an e-mail at 10:00 is due Wednesday 10:00, one at 14:00 Wednesday 14:00."""
    return datetime(2026, 11, 24, hour, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
def lead(db):
    return UserFactory(username="mv-lead", role=roles.TEAM_LEAD)


def test_merging_two_customers_who_each_wait_for_a_reply_keeps_the_earlier_one(anna, team, lead):
    CheckInPolicy.objects.update(is_active=False)  # two overdue day-3 check-ins would stop the merge (issue 10)
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    email(survivor, anna, team, at=tuesday(14))
    email(absorbed, anna, team, at=tuesday(10))  # earlier: due earlier
    earlier = Promise.objects.replies().get(customer=absorbed)

    customers_merge(survivor=survivor, absorbed=absorbed, values={}, actor=lead)

    open_replies = Promise.objects.replies().filter(customer=survivor, status=Promise.Status.OPEN)
    assert list(open_replies) == [earlier]
    cancelled = Promise.objects.replies().get(customer=survivor, status=Promise.Status.CANCELLED)
    assert cancelled.cancel_reason == "Samengevoegd: één antwoord beantwoordt beide contacten."
    # each kept its keep-informed check-in with it: the cancelled one's closed, the other's open
    assert CheckIn.objects.get(promise=cancelled).status == CheckIn.Status.SUPERSEDED
    assert CheckIn.objects.get(promise=earlier).status == CheckIn.Status.OPEN


def test_merging_moves_keep_informed_check_ins_with_their_promises_without_collapsing_them(anna, team, lead):
    survivor, absorbed = CustomerFactory(), CustomerFactory()
    services.contact_log(
        customer=survivor, actor=anna, occurred_at=timezone.now() - timedelta(hours=3), summary="Belde",
        team=team, promises=[{"description": "Offerte", "owner": anna, "due_at": timezone.now() + timedelta(days=9)}],
    )  # fmt: skip
    services.contact_log(
        customer=absorbed, actor=anna, occurred_at=timezone.now() - timedelta(hours=2), summary="Belde",
        team=team, promises=[{"description": "Monteur", "owner": anna, "due_at": timezone.now() + timedelta(days=9)}],
    )  # fmt: skip

    customers_merge(survivor=survivor, absorbed=absorbed, values={}, actor=lead)

    updates = CheckIn.objects.open().filter(kind="update", customer=survivor)
    assert sorted(updates.values_list("promise__description", flat=True)) == ["Monteur", "Offerte"]


def test_moving_an_email_to_a_customer_already_waiting_for_a_reply_joins_the_earlier_one(anna, team):
    target, wrong = CustomerFactory(), CustomerFactory()
    email(target, anna, team, at=tuesday(14))
    moved = email(wrong, anna, team, at=tuesday(10))
    earlier = Promise.objects.replies().get(moment=moved)

    services.contact_correct(moment=moved, actor=anna, reason="Verkeerde klant", customer=target)

    assert list(Promise.objects.replies().filter(customer=target, status=Promise.Status.OPEN)) == [earlier]
    assert Promise.objects.replies().filter(customer=target, status=Promise.Status.CANCELLED).count() == 1


def test_correcting_the_team_of_an_email_keeps_one_reply_per_team(anna, team):
    customer, other = CustomerFactory(), TeamFactory(members=[anna])
    email(customer, anna, other, at=tuesday(10))
    moment = email(customer, anna, team, at=tuesday(14))

    services.contact_correct(moment=moment, actor=anna, reason="Ander team", team=other)

    assert Promise.objects.replies().filter(customer=customer, team=other, status=Promise.Status.OPEN).count() == 1


def test_erasing_a_customer_erases_the_reply_and_closes_what_is_ahead(anna, team, lead):
    customer = CustomerFactory(full_name="Zeno Zonneveld")
    email(customer, anna, team, ago=timedelta(minutes=5), promise="Zeno terugbellen")

    customer_erase(customer=customer, actor=lead, reason="Verzoek 2026-131")

    for promise in Promise.objects.filter(customer=customer):
        assert promise.status == Promise.Status.CANCELLED
        assert "Zeno" not in promise.description
        assert not promise.history.filter(description__contains="Zeno").exists()
    assert not CheckIn.objects.open().filter(customer=customer).exists()  # nobody is to call an erased person


def test_the_export_holds_the_reply_and_the_keep_informed_check_ins(anna, team):
    customer = CustomerFactory()
    email(customer, anna, team, ago=timedelta(minutes=5))

    data = customer_export_data(customer=customer)

    assert [p["kind"] for p in data["promises"]] == ["reply"]
    assert [c["kind"] for c in data["checkins"] if c["promise_id"]] == ["update"]
    assert any(row["kind"] == "update" for row in data["history"]["checkins"])

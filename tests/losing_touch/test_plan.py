"""Planning a check-in from the losing-touch list (followups.losing_touch.losing_touch_checkin_plan, issue 14)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from followups import services
from followups.losing_touch import losing_touch_checkin_plan
from followups.models import CheckIn, Promise

pytestmark = pytest.mark.django_db


def test_a_negative_contact_plans_a_check_in_for_who_logged_it_due_today(desk):
    customer = desk.customers["Exact Veertien"]

    checkin = losing_touch_checkin_plan(customer=customer, actor=desk.users["lies"])

    negative = customer.contact_moments.get(sentiment_end=2)
    assert (checkin.kind, checkin.status, checkin.due_date) == ("touch", "open", timezone.localdate())
    assert (checkin.assignee, checkin.team, checkin.origin, checkin.promise) == (
        desk.users["anna"],
        desk.noord,
        negative,
        None,
    )
    assert checkin.history.get().history_user == desk.users["lies"]  # the actor is recorded


def test_a_broken_promise_plans_a_check_in_for_its_owner(desk):
    checkin = losing_touch_checkin_plan(customer=desk.customers["Belofte Gebroken"], actor=desk.users["lies"])

    assert (checkin.assignee, checkin.team, checkin.origin) == (
        desk.users["bram"],
        desk.noord,
        desk.promises["broken"].moment,
    )


def test_someone_who_left_the_team_hands_it_to_the_teams_queue(desk):
    desk.noord.members.remove(desk.users["anna"])

    checkin = losing_touch_checkin_plan(customer=desk.customers["Exact Veertien"], actor=desk.users["lies"])

    assert (checkin.assignee, checkin.team) == (None, desk.noord)


def test_someone_no_longer_active_hands_it_to_the_teams_queue(desk):
    desk.users["bram"].is_active = False
    desk.users["bram"].save(update_fields=["is_active"])

    checkin = losing_touch_checkin_plan(customer=desk.customers["Belofte Gebroken"], actor=desk.users["mila"])

    assert (checkin.assignee, checkin.team) == (None, desk.noord)


def test_without_a_team_and_with_its_person_gone_it_goes_to_whoever_plans_it(desk):
    Promise.objects.filter(pk=desk.promises["broken"].pk).update(team=None)
    desk.users["bram"].is_active = False
    desk.users["bram"].save(update_fields=["is_active"])

    checkin = losing_touch_checkin_plan(customer=desk.customers["Belofte Gebroken"], actor=desk.users["mila"])

    assert (checkin.assignee, checkin.team) == (desk.users["mila"], None)


def test_a_second_click_plans_nothing_more(desk):
    customer = desk.customers["Exact Veertien"]
    losing_touch_checkin_plan(customer=customer, actor=desk.users["lies"])

    with pytest.raises(ValidationError) as refused:
        losing_touch_checkin_plan(customer=customer, actor=desk.users["lies"])

    assert refused.value.code == "planned"
    assert CheckIn.objects.filter(customer=customer).count() == 1


def test_any_open_check_in_counts_as_planned(desk):
    customer = desk.customers["Ander Team"]
    from tests.factories import CheckInFactory

    CheckInFactory(origin=customer.contact_moments.get(), kind="6w")

    with pytest.raises(ValidationError) as refused:
        losing_touch_checkin_plan(customer=customer, actor=desk.users["lex"])

    assert refused.value.code == "planned"
    assert not CheckIn.objects.filter(kind="touch").exists()


def test_a_customer_contacted_since_the_page_was_read_gets_nothing_planned(desk):
    customer = desk.customers["Belofte Gebroken"]
    services.contact_log(customer=customer, actor=desk.users["bram"], summary="Monteur komt dinsdag", team=desk.noord)

    with pytest.raises(ValidationError) as refused:
        losing_touch_checkin_plan(customer=customer, actor=desk.users["lies"])

    assert refused.value.code == "stale"
    assert not CheckIn.objects.filter(kind="touch").exists()


def test_a_promise_kept_since_the_page_was_read_gets_nothing_planned(desk):
    services.promise_keep(promise=desk.promises["broken"], actor=desk.users["bram"])

    with pytest.raises(ValidationError) as refused:
        losing_touch_checkin_plan(customer=desk.customers["Belofte Gebroken"], actor=desk.users["lies"])

    assert refused.value.code == "stale"


def test_a_lead_plans_only_from_their_teams_part_of_the_list(desk):
    with pytest.raises(ValidationError) as refused:
        losing_touch_checkin_plan(
            customer=desk.customers["Ander Team"], actor=desk.users["lies"], teams=[desk.noord.pk]
        )

    assert refused.value.code == "stale"
    assert not CheckIn.objects.exists()


def test_a_customer_who_never_lost_touch_gets_nothing_planned(desk):
    with pytest.raises(ValidationError) as refused:
        losing_touch_checkin_plan(customer=desk.customers["Daarna Positief"], actor=desk.users["lies"])

    assert refused.value.code == "stale"

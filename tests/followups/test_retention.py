"""Retention (issue 10): customers without contact for RETENTION_YEARS are listed each month and erased
only after a manager confirmed the list.

Time is fixed: every service takes `now`, and customers get their creation and last contact set by hand.
"""

import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contactcare import roles
from contactcare.models import PrivacyAudit
from contactcare.services import AlreadySubmitted
from contacts.models import Customer
from followups import retention
from followups.models import RetentionCandidate, RetentionReview, SweepRun
from followups.privacy import customer_erase, customer_is_erased

from ..celery_utils import Worker, broker, redis_reachable, redis_test_url, wait_for
from ..factories import ContactMomentFactory, CustomerFactory, UserFactory

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 1, 3, 15, tzinfo=AMS)  # the 1st of the month, when beat makes the list
CUTOFF = datetime(2019, 12, 1, tzinfo=AMS)  # seven years before, from the start of the local day


def _customer(*, created: datetime, last_contact: datetime | None = None, **fields) -> Customer:
    customer = CustomerFactory(**fields)
    Customer.objects.filter(pk=customer.pk).update(created_at=created, last_contact_at=last_contact)
    customer.refresh_from_db()
    return customer


@pytest.fixture
def years(settings):
    settings.RETENTION_YEARS = 7
    settings.LANGUAGE_CODE = "en"
    return 7


@pytest.fixture
def manager(db):
    return UserFactory(username="mila", first_name="Mila", last_name="Manager", role=roles.MANAGER)


@pytest.fixture
def desk(db, years):
    """Who is and who is not due for retention on NOW."""
    long_ago = datetime(2010, 5, 4, 10, 0, tzinfo=AMS)
    return {
        "old_contact": _customer(created=long_ago, last_contact=datetime(2019, 11, 30, 23, 59, tzinfo=AMS)),
        "never_contacted": _customer(created=long_ago),
        "recent_contact": _customer(created=long_ago, last_contact=CUTOFF),
        "new_never_contacted": _customer(created=CUTOFF + timedelta(minutes=1)),
    }


def _listed() -> set[int]:
    return set(RetentionCandidate.objects.values_list("customer_id", flat=True))


def _built_and_confirmed(manager) -> RetentionReview:
    retention.retention_review_build(now=NOW)
    review = RetentionReview.objects.get()
    return retention.retention_review_confirm(review=review, actor=manager, version=review.version, now=NOW)


# --- The rule -------------------------------------------------------------------


def test_the_cutoff_is_the_start_of_the_local_day_the_years_before():
    assert retention.retention_cutoff(now=NOW, years=7) == CUTOFF
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=AMS)
    assert retention.retention_cutoff(now=leap, years=1) == datetime(2027, 2, 28, tzinfo=AMS)
    assert retention.retention_cutoff(now=NOW, years=5000).year == 1  # far enough back, never an error


# --- Step 1: the month's list -------------------------------------------------------


def test_the_list_holds_customers_without_contact_since_the_cutoff(desk):
    listed = retention.retention_review_build(now=NOW)

    review = RetentionReview.objects.get()
    assert (review.month.isoformat(), review.years, review.cutoff, review.status) == (
        "2026-12-01",
        7,
        CUTOFF,
        RetentionReview.Status.PROPOSED,
    )
    assert listed == 2
    assert _listed() == {desk["old_contact"].pk, desk["never_contacted"].pk}
    candidate = RetentionCandidate.objects.get(customer=desk["old_contact"])
    assert candidate.last_contact_at == desk["old_contact"].last_contact_at  # what "contacted since" compares to


def test_erased_and_merged_customers_are_not_listed(desk, manager):
    customer_erase(customer=desk["never_contacted"], actor=manager, reason="AVG-2026-3")
    survivor = _customer(created=NOW - timedelta(days=3), last_contact=NOW - timedelta(days=1))
    Customer.objects.filter(pk=desk["old_contact"].pk).update(merged_into=survivor)

    assert retention.retention_review_build(now=NOW) == 0

    assert _listed() == set()
    assert RetentionReview.objects.count() == 1  # the month's (empty) list exists: nothing to confirm


def test_making_the_list_twice_in_a_month_changes_nothing(desk):
    assert retention.retention_review_build(now=NOW) == 2
    _customer(created=datetime(2001, 1, 1, tzinfo=AMS))  # one more, later in the month

    assert retention.retention_review_build(now=NOW + timedelta(days=10)) == 0

    assert RetentionReview.objects.count() == 1
    assert RetentionCandidate.objects.count() == 2


def test_no_list_when_retention_is_off(desk, settings):
    settings.RETENTION_YEARS = 0

    assert retention.retention_review_build(now=NOW) == 0

    assert not RetentionReview.objects.exists()


def test_the_next_months_list_replaces_a_waiting_one_and_keeps_its_exclusions(desk, manager):
    retention.retention_review_build(now=NOW)
    december = RetentionReview.objects.get()
    kept = RetentionCandidate.objects.get(customer=desk["never_contacted"])
    retention.retention_candidate_exclude(candidate=kept, actor=manager, reason="Legal hold")

    retention.retention_review_build(now=NOW + timedelta(days=31))

    december.refresh_from_db()
    assert december.status == RetentionReview.Status.DISMISSED
    january = RetentionReview.objects.get(month="2027-01-01")
    carried = RetentionCandidate.objects.get(review=january, customer=desk["never_contacted"])
    assert (carried.excluded, carried.exclusion_reason, carried.excluded_by) == (True, "Legal hold", manager)
    assert not RetentionCandidate.objects.get(review=january, customer=desk["old_contact"]).excluded


def test_customers_being_erased_from_a_confirmed_list_are_not_listed_again(desk, manager):
    _built_and_confirmed(manager)

    assert retention.retention_review_build(now=NOW + timedelta(days=31)) == 2

    january = RetentionReview.objects.get(month="2027-01-01")
    listed = set(january.candidates.values_list("customer_id", flat=True))
    assert listed == {desk["recent_contact"].pk, desk["new_never_contacted"].pk}  # a month older now


# --- Step 2: a manager's decisions ---------------------------------------------------


@pytest.fixture
def review(desk):
    retention.retention_review_build(now=NOW)
    return RetentionReview.objects.get()


def test_a_manager_excludes_one_customer_with_a_reason(review, manager, desk):
    candidate = RetentionCandidate.objects.get(customer=desk["old_contact"])

    retention.retention_candidate_exclude(candidate=candidate, actor=manager, reason="  Still   a customer ")

    candidate.refresh_from_db()
    assert (candidate.excluded, candidate.exclusion_reason, candidate.excluded_by) == (
        True,
        "Still a customer",
        manager,
    )
    assert RetentionReview.objects.get().version == review.version + 1


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Say why this customer stays"),
        ("x" * 5000, "At most 200 characters (this is 5000)"),
        ("{name} blijft klant", "leave the customer's name and contact data out"),
    ],
    ids=["empty", "5000-characters", "personal-data"],
)
def test_an_exclusion_needs_a_short_reason_without_personal_data(review, manager, desk, reason, message):
    candidate = RetentionCandidate.objects.get(customer=desk["old_contact"])

    with pytest.raises(ValidationError) as refused:
        retention.retention_candidate_exclude(
            candidate=candidate, actor=manager, reason=reason.format(name=desk["old_contact"].full_name)
        )

    assert message in " ".join(refused.value.message_dict["reason"])
    candidate.refresh_from_db()
    assert not candidate.excluded and candidate.exclusion_reason == ""
    assert RetentionReview.objects.get().version == review.version


def test_an_exclusion_is_undone(review, manager, desk):
    candidate = RetentionCandidate.objects.get(customer=desk["old_contact"])
    retention.retention_candidate_exclude(candidate=candidate, actor=manager, reason="Legal hold")

    retention.retention_candidate_include(candidate=candidate, actor=manager)

    candidate.refresh_from_db()
    assert (candidate.excluded, candidate.exclusion_reason, candidate.excluded_by) == (False, "", None)


def test_a_manager_confirms_the_list_as_shown(review, manager):
    retention.retention_review_confirm(review=review, actor=manager, version=review.version, now=NOW)

    review.refresh_from_db()
    assert (review.status, review.confirmed_by, review.confirmed_at) == (
        RetentionReview.Status.CONFIRMED,
        manager,
        NOW,
    )


def test_a_confirmation_of_a_list_that_changed_since_is_refused(review, manager, desk):
    shown = review.version
    other_manager = UserFactory(username="max", role=roles.MANAGER)
    candidate = RetentionCandidate.objects.get(customer=desk["old_contact"])
    retention.retention_candidate_exclude(candidate=candidate, actor=other_manager, reason="Legal hold")

    with pytest.raises(ValidationError, match="The list changed after you opened it"):
        retention.retention_review_confirm(review=review, actor=manager, version=shown)

    assert RetentionReview.objects.get().status == RetentionReview.Status.PROPOSED


def test_a_double_click_on_confirm_confirms_once(review, manager):
    key = str(uuid.uuid4())
    retention.retention_review_confirm(review=review, actor=manager, version=review.version, submission_key=key)

    with pytest.raises(AlreadySubmitted):
        retention.retention_review_confirm(review=review, actor=manager, version=review.version, submission_key=key)

    assert RetentionReview.objects.get().confirmed_by == manager


@pytest.mark.parametrize("role", [roles.STAFF, roles.TEAM_LEAD])
def test_staff_and_leads_may_not_decide(review, desk, role):
    someone = UserFactory(username="someone", role=role)
    candidate = RetentionCandidate.objects.get(customer=desk["old_contact"])

    with pytest.raises(PermissionDenied):
        retention.retention_review_confirm(review=review, actor=someone, version=review.version)
    with pytest.raises(PermissionDenied):
        retention.retention_candidate_exclude(candidate=candidate, actor=someone, reason="Legal hold")
    with pytest.raises(PermissionDenied):
        retention.retention_review_dismiss(review=review, actor=someone)

    assert RetentionReview.objects.get().status == RetentionReview.Status.PROPOSED
    assert not RetentionCandidate.objects.filter(excluded=True).exists()


def test_a_list_set_aside_cannot_be_confirmed(review, manager):
    retention.retention_review_dismiss(review=review, actor=manager)

    with pytest.raises(ValidationError, match="no longer waiting for confirmation"):
        retention.retention_review_confirm(review=review, actor=manager, version=review.version)
    assert retention.retention_erase_confirmed(now=NOW) == 0


# --- Step 3: erasing what was confirmed --------------------------------------------


def test_nobody_is_erased_before_the_list_is_confirmed(review, desk):
    assert retention.retention_erase_confirmed(now=NOW) == 0

    assert not any(customer_is_erased(Customer.objects.get(pk=c.pk)) for c in desk.values())
    assert not PrivacyAudit.objects.exists()


def test_after_confirmation_the_remaining_customers_are_erased_by_the_confirming_manager(review, manager, desk):
    excluded = RetentionCandidate.objects.get(customer=desk["never_contacted"])
    retention.retention_candidate_exclude(candidate=excluded, actor=manager, reason="Legal hold")
    retention.retention_review_confirm(review=review, actor=manager, version=review.version + 1)

    erased = retention.retention_erase_confirmed(now=NOW + timedelta(hours=1))

    assert erased == 1
    assert customer_is_erased(Customer.objects.get(pk=desk["old_contact"].pk))
    assert not customer_is_erased(Customer.objects.get(pk=desk["never_contacted"].pk))  # excluded: stays
    audit = PrivacyAudit.objects.get()
    assert (audit.act, audit.actor, audit.customer_id) == (PrivacyAudit.Act.ERASE, manager, desk["old_contact"].pk)
    assert audit.reason == "Retention 2026-12 (7 years without contact)"
    review.refresh_from_db()
    assert (review.status, review.erased, review.skipped) == (RetentionReview.Status.DONE, 1, 0)
    assert review.finished_at == NOW + timedelta(hours=1)
    counts = retention.retention_review_counts(review=review)
    assert (counts.total, counts.excluded, counts.erased, counts.skipped, counts.waiting) == (2, 1, 1, 0, 0)


def test_a_customer_contacted_since_the_list_was_made_is_skipped(review, manager, desk):
    retention.retention_review_confirm(review=review, actor=manager, version=review.version)
    ContactMomentFactory(customer=desk["never_contacted"], occurred_at=NOW + timedelta(minutes=30))

    assert retention.retention_erase_confirmed(now=NOW + timedelta(hours=1)) == 1

    assert not customer_is_erased(Customer.objects.get(pk=desk["never_contacted"].pk))
    skipped = RetentionCandidate.objects.get(customer=desk["never_contacted"])
    assert (skipped.outcome, skipped.skip_reason) == ("skipped", RetentionCandidate.Skip.CONTACTED)
    review.refresh_from_db()
    assert (review.erased, review.skipped) == (1, 1)


def test_a_customer_erased_or_merged_meanwhile_is_skipped(review, manager, desk):
    retention.retention_review_confirm(review=review, actor=manager, version=review.version)
    customer_erase(customer=desk["never_contacted"], actor=manager, reason="AVG-2026-9")
    survivor = _customer(created=NOW, last_contact=NOW)
    Customer.objects.filter(pk=desk["old_contact"].pk).update(merged_into=survivor)

    assert retention.retention_erase_confirmed(now=NOW + timedelta(hours=1)) == 0

    reasons = dict(RetentionCandidate.objects.values_list("customer_id", "skip_reason"))
    assert reasons == {desk["never_contacted"].pk: "erased", desk["old_contact"].pk: "merged"}
    assert PrivacyAudit.objects.count() == 1  # the manager's own erasure only
    assert RetentionReview.objects.get().skipped == 2


def test_erasing_resumes_where_the_last_run_stopped(review, manager, desk):
    retention.retention_review_confirm(review=review, actor=manager, version=review.version)

    assert retention.retention_erase_confirmed(now=NOW, limit=1) == 1
    assert RetentionReview.objects.get().status == RetentionReview.Status.CONFIRMED  # one to go
    assert retention.retention_erase_confirmed(now=NOW, limit=1) == 1
    assert retention.retention_erase_confirmed(now=NOW) == 0  # a run too many changes nothing

    review.refresh_from_db()
    assert (review.status, review.erased) == (RetentionReview.Status.DONE, 2)
    assert PrivacyAudit.objects.count() == 2


# --- The screens ------------------------------------------------------------------------


def _client(client, user):
    client.force_login(user)
    return client


def _urls(review: RetentionReview) -> list[tuple[str, str]]:
    candidate = review.candidates.first()
    return [
        ("GET", reverse("followups:retention")),
        ("GET", reverse("followups:retention-review", args=[review.pk])),
        ("GET", reverse("followups:retention-exclude", args=[candidate.pk])),
        ("POST", reverse("followups:retention-exclude", args=[candidate.pk])),
        ("POST", reverse("followups:retention-include", args=[candidate.pk])),
        ("POST", reverse("followups:retention-confirm", args=[review.pk])),
        ("POST", reverse("followups:retention-dismiss", args=[review.pk])),
    ]


@pytest.mark.parametrize("role", [roles.STAFF, roles.TEAM_LEAD])
def test_staff_and_leads_get_403_on_every_retention_page(client, review, role):
    _client(client, UserFactory(username="someone", role=role))

    for method, url in _urls(review):
        response = client.get(url) if method == "GET" else client.post(url, {"reason": "x", "version": "1"})
        assert response.status_code == 403, url
    assert RetentionReview.objects.get().status == RetentionReview.Status.PROPOSED
    assert not RetentionCandidate.objects.filter(excluded=True).exists()


def test_anonymous_users_go_to_the_login_page(client, review):
    for method, url in _urls(review):
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_the_list_page_runs_the_same_queries_for_5_and_50_customers(
    client, manager, years, django_assert_max_num_queries
):
    _client(client, manager)
    long_ago = datetime(2010, 1, 1, tzinfo=AMS)
    for _ in range(5):
        _customer(created=long_ago)
    retention.retention_review_build(now=NOW)
    review = RetentionReview.objects.get()
    url = reverse("followups:retention-review", args=[review.pk])
    client.get(url)  # sessions and permissions cached like on every later page

    with django_assert_max_num_queries(12) as few:
        assert client.get(url).status_code == 200
    RetentionCandidate.objects.bulk_create(
        RetentionCandidate(review=review, customer=_customer(created=long_ago)) for _ in range(45)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="retention-candidate"') == 50


def test_the_list_pages_continue_where_the_last_one_ended(client, manager, years):
    _client(client, manager)
    long_ago = datetime(2010, 1, 1, tzinfo=AMS)
    for _ in range(retention.PAGE_SIZE + 1):
        _customer(created=long_ago)
    retention.retention_review_build(now=NOW)
    review = RetentionReview.objects.get()
    url = reverse("followups:retention-review", args=[review.pk])

    first = client.get(url)
    second = client.get(url, {"after": first.context["page"].next_after})
    unreadable = client.get(url, {"after": "²"})

    first_ids = [c.pk for c in first.context["page"].candidates]
    second_ids = [c.pk for c in second.context["page"].candidates]
    assert len(first_ids) == retention.PAGE_SIZE and len(second_ids) == 1
    assert set(first_ids) | set(second_ids) == set(review.candidates.values_list("pk", flat=True))
    assert second.context["page"].next_after is None
    assert f"?after={first_ids[-1]}" in first.content.decode()
    assert [c.pk for c in unreadable.context["page"].candidates] == first_ids  # the first page, never an error


def test_the_manager_excludes_and_confirms_through_the_pages(client, manager, review, desk):
    _client(client, manager)
    candidate = RetentionCandidate.objects.get(customer=desk["old_contact"])
    page = client.get(reverse("followups:retention-review", args=[review.pk]), headers={"Accept-Language": "en"})
    assert escape(desk["old_contact"].full_name) in page.content.decode()  # "van 't Wel" is escaped in HTML
    shown = page.context["confirm_form"].initial

    too_long = client.post(
        reverse("followups:retention-exclude", args=[candidate.pk]),
        {"reason": "x" * 5000},
        headers={"Accept-Language": "en"},
    )
    assert too_long.status_code == 200
    assert "At most 200 characters (this is 5000)." in too_long.content.decode()
    excluded = client.post(
        reverse("followups:retention-exclude", args=[candidate.pk]) + "?after=1", {"reason": "Legal hold"}
    )
    assert excluded.status_code == 302 and excluded["Location"].endswith("?after=1")  # back to the page it was on

    stale = client.post(
        reverse("followups:retention-confirm", args=[review.pk]),
        {"version": shown["version"], "submission_key": shown["submission_key"]},
        headers={"Accept-Language": "en"},
        follow=True,
    )
    assert "The list changed after you opened it" in stale.content.decode()
    assert RetentionReview.objects.get().status == RetentionReview.Status.PROPOSED

    fresh = client.get(reverse("followups:retention-review", args=[review.pk])).context["confirm_form"].initial
    data = {"version": fresh["version"], "submission_key": fresh["submission_key"]}
    url = reverse("followups:retention-confirm", args=[review.pk])
    client.post(url, data)
    again = client.post(url, data, headers={"Accept-Language": "en"}, follow=True)  # the double click
    assert "nothing was saved twice" in again.content.decode()
    assert RetentionReview.objects.get().status == RetentionReview.Status.CONFIRMED


def test_a_confirmation_that_cannot_be_read_is_a_message_not_an_error(client, manager, review):
    _client(client, manager)

    response = client.post(
        reverse("followups:retention-confirm", args=[review.pk]),
        {"version": "²", "submission_key": "not a key"},
        headers={"Accept-Language": "en"},
        follow=True,
    )
    with_nul = client.post(reverse("followups:retention-confirm", args=[review.pk]), {"version": "1\x00"})

    assert response.status_code == 200
    assert "This confirmation cannot be read" in response.content.decode()
    assert with_nul.status_code == 400  # the middleware's answer to a NUL byte
    assert RetentionReview.objects.get().status == RetentionReview.Status.PROPOSED


def test_the_pages_say_when_retention_is_off(client, manager, settings):
    settings.RETENTION_YEARS = 0
    _client(client, manager)

    response = client.get(reverse("followups:retention"), headers={"Accept-Language": "en"})

    assert "Retention is off" in response.content.decode()


def test_the_status_page_and_the_customers_page_lead_managers_to_a_waiting_list(client, manager, review):
    _client(client, manager)

    status = client.get(reverse("followups:status"), headers={"Accept-Language": "en"}).content.decode()
    customers = client.get(reverse("followups:customer-list")).content.decode()

    assert "The retention list of 2026-12 waits for a manager" in status
    assert reverse("followups:retention-review", args=[review.pk]) in status
    assert reverse("followups:retention") in customers


# --- The beat tasks, on a real worker ----------------------------------------------------

REDIS_URL = redis_test_url()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_list_and_the_erasure_run_in_a_real_celery_worker(tmp_path, manager, settings):
    if not redis_reachable(REDIS_URL):
        pytest.skip(f"no Redis at {REDIS_URL}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    from followups.tasks import retention_erase_task, retention_list_task

    settings.RETENTION_YEARS = 7
    old = _customer(created=datetime(2001, 1, 1, tzinfo=AMS), last_contact=datetime(2002, 2, 2, tzinfo=AMS))
    worker = Worker(tmp_path, REDIS_URL, RETENTION_YEARS="7").start_without_beat()
    try:
        with broker(REDIS_URL):
            retention_list_task.delay()
            review = wait_for(lambda: RetentionReview.objects.first(), worker=worker)
            assert wait_for(lambda: review.candidates.filter(customer=old).exists(), worker=worker)
            retention_erase_task.delay()  # before the confirmation: erases nobody
            wait_for(lambda: SweepRun.objects.filter(name="retention-erase").exists(), worker=worker)
            assert not customer_is_erased(Customer.objects.get(pk=old.pk))

            retention.retention_review_confirm(review=review, actor=manager, version=review.version)
            retention_erase_task.delay()
            wait_for(lambda: RetentionReview.objects.filter(status=RetentionReview.Status.DONE).exists(), worker=worker)
    finally:
        worker.stop()
    assert customer_is_erased(Customer.objects.get(pk=old.pk))
    assert PrivacyAudit.objects.get().actor == manager


# --- Hostile input on the real list ------------------------------------------------------

HOSTILE = ["²", "١", "a\x00b", "9" * 30, str(2**63), "-1", "0", "", " ", "x" * 5000, "😀", "<script>", "../"]


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(["review", "exclude", "include", "confirm", "dismiss"]),
    method=st.sampled_from(["GET", "POST"]),
    values=st.fixed_dictionaries(
        {}, optional=dict.fromkeys(["reason", "version", "submission_key", "after"], st.sampled_from(HOSTILE))
    ),
)
def test_hostile_input_on_a_real_list_never_gets_a_server_error(client, manager, review, action, method, values):
    _client(client, manager)
    candidate = review.candidates.first()
    target = candidate.pk if action in {"exclude", "include"} else review.pk
    url = reverse("followups:retention" + ("-review" if action == "review" else f"-{action}"), args=[target])
    query = {"after": values.pop("after")} if "after" in values else {}
    with transaction.atomic():
        response = client.get(url, query) if method == "GET" else client.post(f"{url}?{urlencode(query)}", values)
        assert response.status_code < 500
        if response.status_code == 302:  # where it sends the manager answers too
            assert client.get(response["Location"]).status_code == 200
        transaction.set_rollback(True)


@pytest.mark.parametrize(("raw", "years"), [("", 0), (" ", 0), ("0", 0), ("10", 10)])
def test_retention_years_from_the_environment(raw, years):
    env = {**os.environ, "DEBUG": "1", "RETENTION_YEARS": raw}
    code = "import contactcare.settings as s; print(s.RETENTION_YEARS)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)

    assert out.stdout.strip() == str(years)

"""Retention: customers without contact for RETENTION_YEARS are listed each month and erased once a manager confirmed.

Three steps, each its own service:

1. `retention_review_build` (a daily beat task; the 1st makes the month's
   list, a later day catches up a missed 1st): one INSERT … SELECT of every
   customer not erased, not merged, whose last contact (or, never contacted,
   whose creation) lies before the cutoff. Idempotent: the month is unique.
2. A manager excludes single customers with a reason and confirms the list
   (`retention_candidate_exclude`, `retention_review_confirm`); a
   confirmation of a list that changed since it was shown is refused.
3. `retention_erase_confirmed` (an hourly beat task, and once right after a
   confirmation) erases the confirmed lists' remaining candidates through
   `privacy.customer_erase`, one transaction per customer, with the
   confirming manager as actor. Each candidate is checked again first: a
   customer contacted since the list was made, or erased or merged
   meanwhile, is skipped and counted. A crash loses at most the customer
   being erased; the next run continues.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contactcare.services import submission_claim
from contacts.models import Customer
from contacts.normalize import text_normalize

from .models import RetentionCandidate, RetentionReview
from .privacy import ERASED_NUMBER_PREFIX, customer_erase, customer_is_erased

logger = logging.getLogger(__name__)

ERASE_PERMISSION = "contactcare.erase_customer"
REASON_MAX_LENGTH = 200
ERASE_PER_RUN = 2000  # customers one run of the erase sweep takes on; the next run continues
ERASE_BATCH = 100  # candidate ids read at a time
PAGE_SIZE = 50


# --- What retention means, said once ------------------------------------------


def retention_years() -> int:
    """RETENTION_YEARS, or 0 when retention is off (empty, 0 or negative)."""
    return max(int(settings.RETENTION_YEARS or 0), 0)


def retention_cutoff(*, now: datetime, years: int) -> datetime:
    """The start of the local day `years` years before `now`: a last contact before it is too old.

    29 February becomes 28 February in a year without it; the calendar's first year is as far back as it goes.
    """
    today = timezone.localdate(now)
    year = max(today.year - years, 1)
    try:
        day = today.replace(year=year)
    except ValueError:  # 29 February
        day = today.replace(year=year, day=28)
    return timezone.make_aware(datetime.combine(day, time.min))


def customers_not_erased() -> QuerySet[Customer]:
    """Customers still holding personal data: not erased (privacy.customer_is_erased, in SQL), not merged away."""
    erased_number = Concat(Value(ERASED_NUMBER_PREFIX), Cast("id", output_field=CharField()))
    return Customer.objects.exclude(customer_number=erased_number).filter(merged_into__isnull=True)


def customers_due_for_retention(*, cutoff: datetime) -> QuerySet[Customer]:
    """No contact since `cutoff`: the last one before it, or none at all and created before it.

    Both halves run on the (last_contact_at, id) index. Customers still
    waiting on a confirmed list are left out: they are being erased already.
    """
    being_erased = RetentionCandidate.objects.filter(
        customer_id=OuterRef("pk"),
        review__status=RetentionReview.Status.CONFIRMED,
        outcome=RetentionCandidate.Outcome.PENDING,
        excluded=False,
    )
    return (
        customers_not_erased()
        .filter(Q(last_contact_at__lt=cutoff) | Q(last_contact_at__isnull=True, created_at__lt=cutoff))
        .exclude(Exists(being_erased))
    )


def _erase_reason(review: RetentionReview) -> str:
    """The reason the privacy audit keeps: the list and the rule, no personal data, in the desk's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return ngettext(
            "Retention %(month)s (%(years)d year without contact)",
            "Retention %(month)s (%(years)d years without contact)",
            review.years,
        ) % {"month": review.month.strftime("%Y-%m"), "years": review.years}


# --- Reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewCounts:
    total: int
    excluded: int
    erased: int
    skipped: int
    waiting: int  # not excluded, not yet erased or skipped


def retention_review_counts(*, review: RetentionReview) -> ReviewCounts:
    """How the list stands, in one query (the page's progress)."""
    Outcome = RetentionCandidate.Outcome
    counts = RetentionCandidate.objects.filter(review=review).aggregate(
        n_total=Count("pk"),
        n_excluded=Count("pk", filter=Q(excluded=True)),
        n_erased=Count("pk", filter=Q(outcome=Outcome.ERASED)),
        n_skipped=Count("pk", filter=Q(outcome=Outcome.SKIPPED)),
        n_waiting=Count("pk", filter=Q(outcome=Outcome.PENDING, excluded=False)),
    )
    return ReviewCounts(**{name.removeprefix("n_"): count for name, count in counts.items()})


@dataclass(frozen=True)
class CandidatePage:
    candidates: list[RetentionCandidate]
    next_after: int | None  # the cursor of the next page, None on the last one


def retention_candidates_page(*, review: RetentionReview, after: int | None = None) -> CandidatePage:
    """One page of the list after candidate `after` (keyset: as fast on page 7,000 as on the first), with each
    candidate's customer (name, number, last contact, created)."""
    rows = list(
        RetentionCandidate.objects.filter(review=review, pk__gt=after or 0)
        .select_related("customer", "excluded_by")
        .order_by("pk")[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return CandidatePage(candidates=rows, next_after=rows[-1].pk if more else None)


def retention_reviews(*, limit: int = 24) -> list[RetentionReview]:
    """The latest lists, newest first (their stored counts only: counting a list's candidates is the list page's)."""
    return list(RetentionReview.objects.select_related("confirmed_by", "dismissed_by").order_by("-month")[:limit])


def retention_review_waiting() -> RetentionReview | None:
    """The list that waits for a manager's confirmation (the Status page says so)."""
    return RetentionReview.objects.filter(status=RetentionReview.Status.PROPOSED).order_by("-month").first()


# --- Step 1: the month's list ---------------------------------------------------


def _carry_exclusions(review: RetentionReview) -> None:
    """A manager's exclusion (a legal hold) stays on the next month's list, with its reason; it can be undone there."""
    previous = RetentionReview.objects.filter(month__lt=review.month).order_by("-month").first()
    if previous is None:
        return
    kept = RetentionCandidate.objects.filter(
        review=previous, excluded=True, customer_id=OuterRef("customer_id")
    ).order_by()
    RetentionCandidate.objects.filter(Exists(kept), review=review).update(
        excluded=True,
        exclusion_reason=Subquery(kept.values("exclusion_reason")[:1]),
        excluded_by=Subquery(kept.values("excluded_by")[:1]),
        excluded_at=Subquery(kept.values("excluded_at")[:1]),
    )


def _insert_candidates(review: RetentionReview) -> int:
    """INSERT … SELECT: the database copies the customers over, however many there are."""
    due = customers_due_for_retention(cutoff=review.cutoff).order_by().values_list("id", "last_contact_at")
    select, params = due.query.sql_with_params()
    table = connection.ops.quote_name(RetentionCandidate._meta.db_table)
    sql = (
        f"INSERT INTO {table} (review_id, customer_id, last_contact_at, excluded, exclusion_reason, outcome, "  # noqa: S608 - our own query, values are parameters
        f"skip_reason) SELECT %s, due.id, due.last_contact_at, %s, '', %s, '' FROM ({select}) due"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.pk, False, RetentionCandidate.Outcome.PENDING, *params])
        return cursor.rowcount


def retention_review_build(*, now: datetime) -> int:
    """Make this month's retention list, once; returns how many customers it lists (0 when it exists or is off).

    A list from an earlier month that still waits for confirmation is set
    aside (dismissed): the new one holds the same people, counted afresh.
    """
    years = retention_years()
    if not years:
        return 0
    month = timezone.localdate(now).replace(day=1)
    if RetentionReview.objects.filter(month=month).exists():
        return 0
    try:
        with transaction.atomic():
            review = RetentionReview.objects.create(
                month=month, years=years, cutoff=retention_cutoff(now=now, years=years)
            )
            RetentionReview.objects.filter(status=RetentionReview.Status.PROPOSED).exclude(pk=review.pk).update(
                status=RetentionReview.Status.DISMISSED, dismissed_at=now
            )
            listed = _insert_candidates(review)
            _carry_exclusions(review)
        if connection.vendor == "postgresql":  # fresh statistics, so that the list's pages use its index at once
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(RetentionCandidate._meta.db_table)}")
    except IntegrityError:
        return 0  # a parallel run made this month's list first
    logger.info("retention list %s made: %s customers", review.pk, listed)
    return listed


# --- Step 2: a manager's decisions ------------------------------------------------


def _may_erase(actor) -> None:
    if actor is None or not actor.has_perm(ERASE_PERMISSION):
        raise PermissionDenied


def _locked_proposed(review: RetentionReview) -> RetentionReview:
    """The list, locked against a parallel decision, if it still waits for confirmation."""
    review = RetentionReview.objects.select_for_update().get(pk=review.pk)
    if review.status != RetentionReview.Status.PROPOSED:
        raise ValidationError(
            _("This list is no longer waiting for confirmation: it was confirmed or set aside meanwhile."),
            code="not_proposed",
        )
    return review


def _exclusion_reason_check(reason: str, customer: Customer) -> str:
    reason = text_normalize(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why this customer stays (e.g. legal hold, still a customer).")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("At most %(max)d characters (this is %(length)d).")
                % {"max": REASON_MAX_LENGTH, "length": len(reason)}
            }
        )
    folded = reason.casefold()
    personal = (customer.full_name, customer.preferred_address, customer.email, customer.phone)
    if any(text and text.casefold() in folded for text in personal):
        raise ValidationError({"reason": _("The reason is kept: leave the customer's name and contact data out.")})
    return reason


@transaction.atomic
def retention_candidate_exclude(
    *, candidate: RetentionCandidate, actor, reason: str, now: datetime | None = None
) -> RetentionCandidate:
    """Keep one customer off this month's erasure, with a reason (legal hold, still a customer)."""
    _may_erase(actor)
    review = _locked_proposed(candidate.review)
    candidate = RetentionCandidate.objects.select_related("customer").get(pk=candidate.pk, review=review)
    candidate.exclusion_reason = _exclusion_reason_check(reason, candidate.customer)
    candidate.excluded, candidate.excluded_by, candidate.excluded_at = True, actor, now or timezone.now()
    candidate.save(update_fields=["excluded", "exclusion_reason", "excluded_by", "excluded_at"])
    RetentionReview.objects.filter(pk=review.pk).update(version=F("version") + 1)
    return candidate


@transaction.atomic
def retention_candidate_include(*, candidate: RetentionCandidate, actor) -> RetentionCandidate:
    """Undo an exclusion: the customer is on the list again."""
    _may_erase(actor)
    review = _locked_proposed(candidate.review)
    candidate = RetentionCandidate.objects.get(pk=candidate.pk, review=review)
    if candidate.excluded:
        candidate.excluded, candidate.exclusion_reason, candidate.excluded_by, candidate.excluded_at = (
            False,
            "",
            None,
            None,
        )
        candidate.save(update_fields=["excluded", "exclusion_reason", "excluded_by", "excluded_at"])
        RetentionReview.objects.filter(pk=review.pk).update(version=F("version") + 1)
    return candidate


@transaction.atomic
def retention_review_confirm(
    *, review: RetentionReview, actor, version: int | None, submission_key=None, now: datetime | None = None
) -> RetentionReview:
    """A manager confirms the list as shown (`version`): from now on the erase sweep may erase its customers.

    A confirmation of a list that changed since it was shown (someone
    excluded or included a customer) is refused; a repeat of the same
    confirmation (a double click) raises AlreadySubmitted.
    """
    _may_erase(actor)
    submission_claim(actor=actor, key=submission_key)
    review = _locked_proposed(review)
    if version != review.version:
        raise ValidationError(
            _(
                "The list changed after you opened it (a customer was excluded or included). "
                "Check it again, then confirm."
            ),
            code="stale",
        )
    review.status = RetentionReview.Status.CONFIRMED
    review.confirmed_by, review.confirmed_at = actor, now or timezone.now()
    review.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    _erase_soon()
    return review


@transaction.atomic
def retention_review_dismiss(*, review: RetentionReview, actor, now: datetime | None = None) -> RetentionReview:
    """Set this month's list aside: nobody on it is erased; next month's list asks again."""
    _may_erase(actor)
    review = _locked_proposed(review)
    review.status = RetentionReview.Status.DISMISSED
    review.dismissed_by, review.dismissed_at = actor, now or timezone.now()
    review.save(update_fields=["status", "dismissed_by", "dismissed_at"])
    return review


def _erase_soon() -> None:
    """After commit, ask a worker to start erasing; if the broker is down, the hourly run does it."""
    from .tasks import retention_erase_task

    def publish():
        try:
            retention_erase_task.delay()
        except Exception as error:  # noqa: BLE001 - a broker outage must not reach the manager
            logger.warning("broker unavailable, retention waits for the hourly run: %s", type(error).__name__)

    transaction.on_commit(publish, robust=True)


# --- Step 3: erasing what was confirmed -------------------------------------------


def _skip_reason(candidate: RetentionCandidate, customer: Customer) -> str | None:
    """Why this customer must not be erased now (checked under the customer's lock), or None."""
    Skip = RetentionCandidate.Skip
    if customer_is_erased(customer):
        return Skip.ERASED
    if customer.merged_into_id is not None:
        return Skip.MERGED
    last = customer.last_contact_at
    if last is not None and (candidate.last_contact_at is None or last > candidate.last_contact_at):
        return Skip.CONTACTED
    return None


def _erase_one(candidate_id: int, now: datetime) -> bool | None:
    """Erase (True) or skip (False) one candidate in its own transaction; None when another run has it."""
    Outcome = RetentionCandidate.Outcome
    with transaction.atomic():
        candidate = (
            RetentionCandidate.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("review")
            .filter(pk=candidate_id, outcome=Outcome.PENDING, excluded=False)
            .filter(review__status=RetentionReview.Status.CONFIRMED)
            .first()
        )
        if candidate is None:
            return None
        review = candidate.review
        customer = Customer.objects.select_for_update().get(pk=candidate.customer_id)
        skip = _skip_reason(candidate, customer)
        if skip is None:
            try:
                customer_erase(customer=customer, actor=review.confirmed_by, reason=_erase_reason(review))
            except ValidationError:
                skip = RetentionCandidate.Skip.REFUSED  # customer_erase's own rules said no: counted, not retried
        candidate.outcome = Outcome.SKIPPED if skip else Outcome.ERASED
        candidate.skip_reason, candidate.processed_at = skip or "", now
        candidate.save(update_fields=["outcome", "skip_reason", "processed_at"])
        counter = "skipped" if skip else "erased"
        RetentionReview.objects.filter(pk=review.pk).update(**{counter: F(counter) + 1})
    return skip is None


def _finish(now: datetime) -> None:
    todo = RetentionCandidate.objects.filter(
        review=OuterRef("pk"), outcome=RetentionCandidate.Outcome.PENDING, excluded=False
    )
    RetentionReview.objects.filter(status=RetentionReview.Status.CONFIRMED).exclude(Exists(todo)).update(
        status=RetentionReview.Status.DONE, finished_at=now
    )


def retention_erase_confirmed(*, now: datetime, limit: int = ERASE_PER_RUN) -> int:
    """Erase the remaining customers of confirmed lists, up to `limit`; returns how many were erased.

    Safe to run twice, or twice at once: each candidate is claimed under a
    row lock and done in its own transaction, so a crash (or a second
    worker) never erases anyone twice nor loses the count.
    """
    erased = handled = 0
    after = 0
    while handled < limit:
        ids = list(
            RetentionCandidate.objects.filter(
                review__status=RetentionReview.Status.CONFIRMED,
                outcome=RetentionCandidate.Outcome.PENDING,
                excluded=False,
                pk__gt=after,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[: min(ERASE_BATCH, limit - handled)]
        )
        if not ids:
            break
        for candidate_id in ids:
            done = _erase_one(candidate_id, now)
            if done is not None:
                handled += 1
                erased += int(done)
        after = ids[-1]
    _finish(now)
    return erased

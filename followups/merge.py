"""Merging two customers who are one person: the survivor keeps everything, the duplicate stays as a pointer.

Here, not in `contacts`, because a merge moves and collapses check-ins and
promises, and `contacts` must not import `followups`.

The merged customer (`absorbed`) is not deleted: contacts, check-ins and
promises point at customers with PROTECT, and its customer number must keep
finding the survivor. Its personal fields are blanked, so that search, the
customer list and duplicate detection pass it by; `merged_into` says where it went.

What moves is moved as it is: a contact keeps everything decided when it was
logged (its stored repeat flag among them), so past weekly reports keep their
figures. The one thing a merge decides is which open check-ins stay: of two
open check-ins of one kind the newest stays and the other is superseded — but
only when it is not yet due. An overdue check-in is still work to do and part
of a week that may have been reported, so it stays open; as a customer has one
open check-in per kind, an overdue one then stays instead of one still ahead,
and two overdue ones of the same kind must be done or skipped before merging.

Keep-informed check-ins (issue 13) belong to their promise, not to a kind per customer: they move with their
promises and never collapse. One reply is owed per customer and team: of two open reply-by promises of one
team, the one due later is cancelled ("joined"), so the customer hears from us by the earlier date.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contactcare.formats import day
from contactcare.services import submission_claim, submission_complete
from contacts import selectors as contact_selectors
from contacts.models import ContactMoment, Customer, CustomerDetail, CustomerMerge
from contacts.normalize import phone_display
from contacts.services import customer_last_contact_refresh, customer_update, with_actor

from . import services
from .handovers import handovers_move
from .models import CheckIn, CheckInIs, Handover, Notification, Promise, PromiseIs
from .notifications import _customer_link
from .privacy import customer_is_erased

SURVIVOR, ABSORBED = "survivor", "absorbed"
# What the side-by-side page asks, in its order. The customer number decides which row survives.
MERGE_FIELDS = ("customer_number", "full_name", "preferred_address", "phone", "email", "language")
VALUE_FIELDS = MERGE_FIELDS[1:]
MERGED_REASON = "merged"


def _neutral(text: str, **params) -> str:
    """A text stored in a row everyone reads: in the desk's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(_(text)) % params


def merged_name(number: str) -> str:
    return _neutral(gettext_noop("Merged into %(number)s"), number=number)


def default_survivor(first: Customer, second: Customer) -> Customer:
    """The row that stays unless the user chooses otherwise: the older one (created first)."""
    return min(first, second, key=lambda c: (c.created_at, c.pk))


# --- Which open check-ins stay -----------------------------------------------------


@dataclass
class KindCollapse:
    """Open check-ins of one kind of both customers: the one that stays, the ones superseded by it."""

    kind_label: str
    kept: CheckIn
    superseded: list[CheckIn] = field(default_factory=list)


def _collapse(checkins: list[CheckIn], today: date) -> list[KindCollapse]:
    """Per kind with more than one open check-in: which stays (see the module's docstring).

    Raises ValidationError when two overdue check-ins of one kind would both have to stay open.
    """
    by_kind: dict[str, list[CheckIn]] = defaultdict(list)
    for checkin in checkins:
        by_kind[checkin.kind].append(checkin)
    plan = []
    for items in by_kind.values():
        if len(items) < 2:
            continue
        overdue = sorted((c for c in items if c.due_date < today), key=lambda c: (c.due_date, c.pk))
        ahead = [c for c in items if c.due_date >= today]
        if len(overdue) > 1:
            raise ValidationError(
                _(
                    "Both customers have an overdue check-in “%(kind)s” (due %(dates)s). An overdue check-in stays "
                    "open when customers are merged, and a customer has one open check-in of a kind: mark one of "
                    "them done or skip it first, then merge."
                )
                % {"kind": overdue[0].kind_label, "dates": ", ".join(day(c.due_date) for c in overdue)},
                code="overdue_twice",
            )
        kept = overdue[0] if overdue else max(ahead, key=lambda c: (c.due_date, c.pk))
        plan.append(KindCollapse(kept.kind_label, kept, [c for c in ahead if c is not kept]))
    return plan


def _refusal(first: Customer, second: Customer) -> None:
    """The reasons two customers cannot be merged at all, as a ValidationError."""
    if first.pk == second.pk:
        raise ValidationError(_("A customer cannot be merged with itself."), code="same")
    for customer in (first, second):
        if customer.merged_into_id is not None:
            raise ValidationError(
                _("%(number)s has already been merged into another customer.") % {"number": customer.customer_number},
                code="merged",
            )
        if customer_is_erased(customer):
            raise ValidationError(_("An erased customer cannot be merged."), code="erased")


# --- Reads: the side-by-side page ---------------------------------------------------


@dataclass
class SideCounts:
    contacts: int
    details: int
    open_checkins: int
    open_promises: int


@dataclass
class MergePreview:
    first: Customer
    second: Customer
    default_survivor: Customer
    counts: dict[int, SideCounts]  # by customer id
    collapse: list[KindCollapse]
    problem: str = ""  # why they cannot be merged as they are (empty when they can)


def field_display(customer: Customer, name: str) -> str:
    """A field's value as the side-by-side page shows it."""
    if name == "phone":
        return phone_display(customer.phone) if customer.phone else ""
    if name == "language":
        return customer.get_language_display()
    return getattr(customer, name)


def customers_merge_preview(*, first: Customer, second: Customer, today: date | None = None) -> MergePreview:
    """What merging `first` and `second` would do: their counts, which check-ins stay, or why it cannot be done.

    Five queries, whatever the customers hold.
    """
    today = today or timezone.localdate()
    ids = [first.pk, second.pk]

    def counted(queryset):
        rows = queryset.filter(customer_id__in=ids).values("customer_id").annotate(n=Count("pk")).order_by()
        return {row["customer_id"]: row["n"] for row in rows}

    numbers = {
        "contacts": counted(ContactMoment.objects.alive()),
        "details": counted(CustomerDetail.objects.all()),
        "open_checkins": counted(CheckIn.objects.open()),
        "open_promises": counted(Promise.objects.open()),
    }
    counts = {pk: SideCounts(**{name: found.get(pk, 0) for name, found in numbers.items()}) for pk in ids}
    problem, collapse = "", []
    try:
        _refusal(first, second)
        open_checkins = list(
            CheckIn.objects.open()
            .filter(customer_id__in=ids)
            .exclude(CheckInIs.keep_informed())
            .order_by("kind", "due_date", "pk")
        )
        collapse = _collapse(open_checkins, today)
    except ValidationError as error:
        problem = " ".join(error.messages)
    return MergePreview(first, second, default_survivor(first, second), counts, collapse, problem)


def merge_candidates(*, customer: Customer, query: str = "") -> tuple[list, list[Customer]]:
    """Whom `customer` may be merged with: its possible duplicates, and what a search for `query` finds.

    Merged and erased customers and the customer itself are left out.
    """

    def mergeable(other: Customer) -> bool:
        return other.pk != customer.pk and other.merged_into_id is None and not customer_is_erased(other)

    duplicates = [
        found
        for found in contact_selectors.customer_possible_duplicates(
            full_name=customer.full_name, phone=customer.phone, email=customer.email, limit=6
        )
        if mergeable(found.customer)
    ][:5]
    hits = []
    if query:
        hits = [
            hit
            for hit in contact_selectors.customer_search(query=query, limit=contact_selectors.SEARCH_HITS + 1)
            if mergeable(hit)
        ][: contact_selectors.SEARCH_HITS]
    return duplicates, hits


def customer_merges(*, customer: Customer) -> list[CustomerMerge]:
    """The merges into `customer`, newest first, for the line on its page (one query)."""
    return list(CustomerMerge.objects.filter(survivor=customer).select_related("absorbed", "actor"))


# --- The write --------------------------------------------------------------------


def _sources(values: dict) -> dict[str, str]:
    unknown = set(values) - set(MERGE_FIELDS)
    if unknown:
        raise TypeError(f"customers_merge() got unexpected fields: {', '.join(sorted(unknown))}")
    if values.get("customer_number", SURVIVOR) != SURVIVOR:
        raise ValueError("the survivor keeps its customer number: choose the survivor by the number")
    sources = {name: values.get(name, SURVIVOR) for name in MERGE_FIELDS}
    if set(sources.values()) - {SURVIVOR, ABSORBED}:
        raise ValueError(f"a field's value comes from {SURVIVOR!r} or {ABSORBED!r}")
    return sources


def _details_move(survivor: Customer, absorbed: Customer) -> int:
    """The absorbed customer's details go to the survivor; one it already has (any case) is not kept twice."""
    theirs = CustomerDetail.objects.filter(customer=survivor).values_list("pk", "text")
    kept = {text.casefold(): pk for pk, text in theirs}
    doubles, pinned = [], []
    for pk, text, is_pinned in CustomerDetail.objects.filter(customer=absorbed).values_list("pk", "text", "is_pinned"):
        if text.casefold() in kept:
            doubles.append(pk)
            if is_pinned:
                pinned.append(kept[text.casefold()])
        else:
            kept[text.casefold()] = pk
    CustomerDetail.objects.filter(pk__in=doubles).delete()
    CustomerDetail.objects.filter(pk__in=pinned).update(is_pinned=True)
    return CustomerDetail.objects.filter(customer=absorbed).update(customer=survivor)


@transaction.atomic
def customers_merge(
    *, survivor: Customer, absorbed: Customer, values: dict, actor, submission_key=None
) -> CustomerMerge:
    """Merge `absorbed` into `survivor`, in one transaction; returns the record of the merge.

    `values` says per field (MERGE_FIELDS) whose value the survivor keeps:
    "survivor" (the default) or "absorbed"; the survivor always keeps its own
    customer number. The values go through the customer rules (a refused phone
    is a ValidationError on "phone"). Contacts, details (without doubles),
    check-ins, promises, their history, handovers (issue 13; one still waiting
    for a receiver the survivor waits for already is withdrawn) and the
    notifications about the absorbed customer move to the survivor; open check-ins collapse (see the
    module's docstring). The absorbed row keeps its number, points at the
    survivor and loses its personal fields; both customers' history get a
    "merged" row. Both rows are locked (in id order), so a second merge of
    either waits and is then refused. With `submission_key`, a repeat raises
    AlreadySubmitted with the record.
    """
    submission = submission_claim(actor=actor, key=submission_key)
    sources = _sources(values)
    if survivor.pk == absorbed.pk:
        _refusal(survivor, absorbed)
    both = Customer.objects.select_for_update().filter(pk__in=[survivor.pk, absorbed.pk]).order_by("pk")
    locked = {customer.pk: customer for customer in both}
    survivor, absorbed = locked[survivor.pk], locked[absorbed.pk]
    _refusal(survivor, absorbed)
    now = timezone.now()
    # Keep-informed check-ins are one per promise, not per customer: they move with their promises.
    open_checkins = list(
        CheckIn.objects.open()
        .select_for_update()
        .filter(customer__in=[survivor, absorbed])
        .exclude(CheckInIs.keep_informed())
        .order_by("kind", "pk")
    )
    collapse = _collapse(open_checkins, timezone.localdate(now))

    # The survivor's fields, through the customer rules (as the edit form); its history row says "merged".
    taken = {name: getattr(absorbed, name) for name, side in sources.items() if side == ABSORBED}
    customer_update(customer=with_actor(survivor, actor, MERGED_REASON), actor=actor, **taken)

    superseded = 0
    for group in collapse:
        for checkin in group.superseded:
            checkin.status, checkin.closed_at, checkin.superseded_by = CheckIn.Status.SUPERSEDED, now, group.kept
            with_actor(checkin, actor, "superseded").save(update_fields=["status", "closed_at", "superseded_by"])
            superseded += 1

    # One reply is owed to a customer per team: of two open reply-by promises the later one is cancelled.
    for reply in Promise.objects.filter(PromiseIs.open() & PromiseIs.reply(), customer=absorbed).order_by("pk"):
        services.reply_room_make(reply, customer_id=survivor.pk, team_id=reply.team_id, actor=actor)

    moved = {
        "contacts": ContactMoment.objects.filter(customer=absorbed).update(customer=survivor),
        "details": _details_move(survivor, absorbed),
        "checkins": CheckIn.objects.filter(customer=absorbed).update(customer=survivor),
        "promises": Promise.objects.filter(customer=absorbed).update(customer=survivor),
        "superseded_checkins": superseded,
        "notifications": Notification.objects.filter(link=_customer_link(absorbed.pk)).update(
            link=_customer_link(survivor.pk)
        ),
        "handovers": handovers_move(
            handovers=Handover.objects.filter(customer=absorbed), customer=survivor, actor=actor, now=now
        ),
    }
    for model in (ContactMoment, CheckIn, Promise):
        model.history.model.objects.filter(customer_id=absorbed.pk).update(customer_id=survivor.pk)
    # Customers merged into the absorbed one before now point at the survivor: one hop, never a chain.
    Customer.objects.filter(merged_into=absorbed).update(merged_into=survivor)

    absorbed.merged_into = survivor
    absorbed.full_name = merged_name(survivor.customer_number)
    absorbed.preferred_address = absorbed.phone = absorbed.email = absorbed.search_name = ""
    with_actor(absorbed, actor, MERGED_REASON).save(
        update_fields=["merged_into", "full_name", "preferred_address", "phone", "email", "search_name", "updated_at"]
    )
    for customer in (survivor, absorbed):
        customer_last_contact_refresh(customer_id=customer.pk)

    record = CustomerMerge.objects.create(
        survivor=survivor, absorbed=absorbed, actor=actor, sources=sources, moved=moved
    )
    submission_complete(submission, record)
    return record

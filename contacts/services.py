"""Every write in the contacts app: one function a use case, keyword-only, each with its `actor`.

Services are the gate: they normalise (`normalize.py`), validate (lengths,
formats, date bounds; a ValidationError per field, never a silent cut) and
record who did it in the edit history. Views, the admin, tasks, commands and
the API call these; forms only check the shape of input.
"""

from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contactcare.services import counter_next, submission_claim, submission_complete

from .models import ContactMoment, Customer, CustomerDetail
from .normalize import (
    customer_number_normalize,
    email_normalize,
    name_normalize,
    phone_display,
    phone_normalize,
    text_normalize,
)
from .repeats import contact_counted_change

CUSTOMER_NUMBER_PREFIX = "K"
CUSTOMER_NUMBER_COUNTER = "customer_number"
# A contact "that happened" may be stamped a little ahead of the server clock
# (a workstation clock that runs fast); more than this is a typing error.
FUTURE_TOLERANCE = timezone.timedelta(minutes=5)
_CUSTOMER_FIELDS = ("full_name", "customer_number", "preferred_address", "phone", "email", "language")
_CUSTOMER_SAVED_FIELDS = (*_CUSTOMER_FIELDS, "search_name", "updated_at")


def with_actor(instance, actor, reason: str | None = None):
    """Make the next history row of `instance` name `actor` (and why), whoever runs the code."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    return instance


def validate(instance, *, exclude=(), unique: bool = False) -> None:
    """The model's own rules (lengths, choices, formats, constraints) as one ValidationError per field."""
    instance.full_clean(exclude=list(exclude), validate_unique=unique, validate_constraints=unique)


# --- Customers ------------------------------------------------------------------


def _customer_number_start() -> int:
    """Seed of the number counter: the highest automatic number given so far (K followed by digits)."""
    last = (
        Customer.objects.filter(customer_number__regex=rf"^{CUSTOMER_NUMBER_PREFIX}[0-9]+$")
        .annotate(length=Length("customer_number"))
        .order_by("-length", "-customer_number")
        .values_list("customer_number", flat=True)
        .first()
    )
    return int(last[len(CUSTOMER_NUMBER_PREFIX) :]) if last else 1000000


def _customer_number_next() -> str:
    """The next free automatic number. A manual number can take one: then the counter moves past it."""
    while True:
        number = f"{CUSTOMER_NUMBER_PREFIX}{counter_next(CUSTOMER_NUMBER_COUNTER, start=_customer_number_start):07d}"
        if not Customer.objects.filter(customer_number=number).exists():
            return number


def customer_numbers_next(count: int, *, avoid: set[str] = frozenset()) -> list[str]:
    """`count` free automatic numbers in one go (an import), skipping taken ones and those in `avoid`."""
    numbers: list[str] = []
    while len(numbers) < count:
        wanted = count - len(numbers)
        last = counter_next(CUSTOMER_NUMBER_COUNTER, start=_customer_number_start, step=wanted)
        batch = [f"{CUSTOMER_NUMBER_PREFIX}{n:07d}" for n in range(last - wanted + 1, last + 1)]
        taken = set(Customer.objects.filter(customer_number__in=batch).values_list("customer_number", flat=True))
        numbers += [n for n in batch if n not in taken and n not in avoid]
    return numbers


def _customer_normalise(customer: Customer, *, phone_changed: bool) -> None:
    customer.full_name = text_normalize(customer.full_name)
    customer.preferred_address = text_normalize(customer.preferred_address)
    customer.customer_number = customer_number_normalize(customer.customer_number)
    customer.email = email_normalize(customer.email)
    customer.search_name = name_normalize(customer.full_name)
    if phone_changed and customer.phone:
        normalised = phone_normalize(customer.phone)
        if normalised is None:
            raise ValidationError(
                {"phone": _("This is not a phone number we can call. Type it like 06 12345678 or +31 6 1234 5678.")},
                code="invalid_phone",
            )
        customer.phone = normalised


def customer_prepare(customer: Customer, *, phone_changed: bool) -> Customer:
    """Normalise and check `customer`'s fields as every write does, without touching the database.

    The one copy of the customer rules: the form (through `customer_create`) and the import use it.
    Uniqueness is left to the save; an empty customer number is left for the caller to give.
    """
    _customer_normalise(customer, phone_changed=phone_changed)
    validate(customer, exclude=["search_name", *([] if customer.customer_number else ["customer_number"])])
    return customer


def phone_unchanged(typed: str, stored: str) -> bool:
    """Whether `typed` is the stored number in another spelling (then an old, odd number is left alone)."""
    typed = typed.strip()
    # The normalised comparison first: it is cached, the display form is not (an import checks thousands).
    return (bool(typed) and phone_normalize(typed) == stored) or typed in {stored, phone_display(stored)}


def _customer_save(customer: Customer, actor, *, reason: str | None = None) -> None:
    validate(customer, exclude=["search_name"], unique=True)
    # An edit writes what a person can change: the last-contact columns it
    # holds may be stale (a contact logged meanwhile) and belong to contact_moment_create.
    update_fields = None if customer._state.adding else _CUSTOMER_SAVED_FIELDS
    try:
        with transaction.atomic():
            with_actor(customer, actor, reason).save(update_fields=update_fields)
    except IntegrityError as error:  # a parallel save took the number between check and insert
        raise ValidationError(
            {"customer_number": _("Another customer already has this customer number.")}, code="unique"
        ) from error


@transaction.atomic
def customer_create(
    *,
    actor,
    full_name: str,
    customer_number: str = "",
    preferred_address: str = "",
    phone: str = "",
    email: str = "",
    language: str = Customer.Language.DUTCH,
    submission_key=None,
) -> Customer:
    """Create a customer; without a customer number, the next free `K…` number is given.

    `phone` in any spelling a person types; it is stored as E.164 (an invalid
    number is refused). With `submission_key`, a repeat of the same form
    raises AlreadySubmitted with the customer it created.
    """
    submission = submission_claim(actor=actor, key=submission_key)
    customer = Customer(
        full_name=full_name,
        customer_number=customer_number,
        preferred_address=preferred_address,
        phone=phone,
        email=email,
        language=language,
    )
    customer_prepare(customer, phone_changed=True)
    if not customer.customer_number:
        customer.customer_number = _customer_number_next()
    _customer_save(customer, actor)
    submission_complete(submission, customer)
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor, **fields) -> Customer:
    """Change a customer's fields. The phone is checked only when it changes: an old, odd number does not
    block correcting the form of address."""
    unknown = set(fields) - set(_CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"customer_update() got unexpected fields: {', '.join(sorted(unknown))}")
    if customer.merged_into_id:  # its page leads to the survivor; the admin and any other caller stop here
        raise ValidationError(_("This customer was merged into another customer; change that one."), code="merged")
    stored_phone = customer.phone
    for name, value in fields.items():
        setattr(customer, name, value)
    phone_changed = "phone" in fields and not phone_unchanged(customer.phone or "", stored_phone)
    if "phone" in fields and not phone_changed:
        customer.phone = stored_phone
    _customer_normalise(customer, phone_changed=phone_changed)
    if not customer.customer_number:
        raise ValidationError({"customer_number": _("A customer keeps a customer number.")}, code="required")
    _customer_save(customer, actor)
    return customer


# --- Details to remember --------------------------------------------------------


def customer_detail_prepare(*, customer: Customer | None, actor, text: str, is_pinned: bool = False) -> CustomerDetail:
    """A detail to remember, normalised and checked (length), not saved: the one copy of the detail rules."""
    detail = CustomerDetail(customer=customer, text=text_normalize(text), is_pinned=is_pinned, created_by=actor)
    validate(detail, exclude=["customer", "created_by"])
    return detail


@transaction.atomic
def customer_detail_add(*, customer: Customer, actor, text: str, is_pinned: bool = False) -> CustomerDetail:
    """Note a detail to remember. The same detail twice (a double click, two colleagues at once) is refused:
    the customer's row is locked while checking, so parallel adds cannot both pass."""
    detail = customer_detail_prepare(customer=customer, actor=actor, text=text, is_pinned=is_pinned)
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk").first()
    if CustomerDetail.objects.filter(customer=customer, text__iexact=detail.text).exists():
        raise ValidationError({"text": _("This detail is already noted for this customer.")}, code="duplicate")
    detail.save()
    return detail


def customer_detail_set_pinned(*, detail: CustomerDetail, actor, is_pinned: bool) -> CustomerDetail:
    detail.is_pinned = is_pinned
    detail.save(update_fields=["is_pinned"])
    return detail


def customer_detail_remove(*, detail: CustomerDetail, actor) -> None:
    detail.delete()


# --- Contact moments --------------------------------------------------------------


def contact_earliest() -> datetime:
    """The earliest moment a contact may be logged for (CONTACT_EARLIEST_DATE, local midnight)."""
    return timezone.make_aware(datetime.combine(settings.CONTACT_EARLIEST_DATE, time.min))


def occurred_at_check(occurred_at: datetime, *, now: datetime) -> None:
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": _("A contact that happened cannot be in the future.")}, code="future")
    if occurred_at < contact_earliest():
        raise ValidationError(
            {
                "occurred_at": _("Contacts before %(date)s cannot be logged; check the year.")
                % {"date": date_format(settings.CONTACT_EARLIEST_DATE, "DATE_FORMAT")}
            },
            code="too_early",
        )


def contact_moment_create(*, customer: Customer, logged_by, actor, occurred_at=None, **fields) -> ContactMoment:
    """Write one contact moment. Use `followups.services.contact_log` for the whole logging flow."""
    now = timezone.now()
    moment = ContactMoment(customer=customer, logged_by=logged_by, occurred_at=occurred_at or now, **fields)
    contact_moment_clean(moment, now=now)
    with_actor(moment, actor).save()
    contact_counted_change(moment)  # its repeat flag, the later ones it makes repeats, the report's summary
    # The customer list reads the newest contact from the customer's row. One
    # set-based UPDATE, only when this contact is the newest (an older one
    # typed in afterwards leaves it); on a tie the later one wins, as in
    # customer_last_contact_refresh.
    newest = Customer.objects.filter(
        Q(last_contact_at__isnull=True) | Q(last_contact_at__lte=moment.occurred_at), pk=customer.pk
    ).update(
        last_contact_at=moment.occurred_at,
        last_contact_team=moment.team_id,
        last_contact_sentiment_end=moment.sentiment_end,
    )
    if newest:
        customer.last_contact_at, customer.last_contact_team_id = moment.occurred_at, moment.team_id
        customer.last_contact_sentiment_end = moment.sentiment_end
    return moment


def customer_last_contact_refresh(*, customer_id: int) -> None:
    """Recompute a customer's `last_contact_at` / `last_contact_team` / `last_contact_sentiment_end` from its
    contacts (one UPDATE).

    For every change that can make another contact the newest: a contact
    corrected (its time or customer) or deleted (deleted ones do not count).
    Call it for the old and the new customer.
    """
    latest = ContactMoment.objects.alive().filter(customer_id=OuterRef("pk")).order_by("-occurred_at", "-pk")
    Customer.objects.filter(pk=customer_id).update(
        last_contact_at=Subquery(latest.values("occurred_at")[:1]),
        last_contact_team=Subquery(latest.values("team")[:1]),
        last_contact_sentiment_end=Subquery(latest.values("sentiment_end")[:1]),
    )


def contact_moment_clean(moment: ContactMoment, *, now: datetime, when_changed: bool = True) -> None:
    """The rules of a contact moment, logged or corrected: when it happened within bounds (unless that is
    unchanged: an old odd date does not block correcting the topic), the summary tidy and within its length."""
    if when_changed:
        occurred_at_check(moment.occurred_at, now=now)
    moment.summary = text_normalize(moment.summary, multiline=True)
    validate(moment, exclude=["customer", "logged_by", "team", "topic", "deleted_by"])

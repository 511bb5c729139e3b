"""Every write in the contacts app: one function a use case, keyword-only."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ContactMoment, Customer, CustomerDetail
from .normalize import name_normalize

CUSTOMER_NUMBER_PREFIX = "K"
# A contact "that happened" may be stamped a little ahead of the server clock
# (a workstation clock that runs fast); more than this is a typing error.
FUTURE_TOLERANCE = timezone.timedelta(minutes=5)


def _customer_number_next() -> str:
    last = (
        Customer.objects.filter(customer_number__startswith=CUSTOMER_NUMBER_PREFIX)
        .aggregate(m=Max("customer_number"))
        .get("m")
    )
    digits = last[len(CUSTOMER_NUMBER_PREFIX) :] if last else ""
    following = int(digits) + 1 if digits.isdigit() else 1000001
    return f"{CUSTOMER_NUMBER_PREFIX}{following:07d}"


def _customer_prepare(customer: Customer) -> None:
    customer.customer_number = customer.customer_number.strip().upper().replace(" ", "")
    customer.email = customer.email.strip().lower()
    customer.search_name = name_normalize(customer.full_name)


def customer_create(
    *,
    full_name: str,
    customer_number: str = "",
    preferred_address: str = "",
    phone: str = "",
    email: str = "",
    language: str = Customer.Language.DUTCH,
) -> Customer:
    """Create a customer; without a customer number, the next free `K…` number is given.

    `phone` must already be normalised (E.164); forms do that.
    """
    customer = Customer(
        full_name=full_name,
        customer_number=customer_number,
        preferred_address=preferred_address,
        phone=phone,
        email=email,
        language=language,
    )
    generated = not customer_number
    for _attempt in range(3):
        if generated:
            customer.customer_number = _customer_number_next()
        _customer_prepare(customer)
        try:
            with transaction.atomic():
                customer.save()
            return customer
        except IntegrityError as error:
            if not generated:
                raise ValidationError(
                    {"customer_number": _("Another customer already has this customer number.")}
                ) from error
    raise ValidationError({"customer_number": _("No free customer number could be found; please enter one.")})


@transaction.atomic
def customer_update(*, customer: Customer, **fields) -> Customer:
    for name, value in fields.items():
        setattr(customer, name, value)
    _customer_prepare(customer)
    customer.save()
    return customer


def customer_detail_add(*, customer: Customer, text: str, is_pinned: bool = False, created_by=None) -> CustomerDetail:
    return CustomerDetail.objects.create(
        customer=customer, text=text.strip(), is_pinned=is_pinned, created_by=created_by
    )


def customer_detail_set_pinned(*, detail: CustomerDetail, is_pinned: bool) -> CustomerDetail:
    detail.is_pinned = is_pinned
    detail.save(update_fields=["is_pinned"])
    return detail


def customer_detail_remove(*, detail: CustomerDetail) -> None:
    detail.delete()


def contact_moment_create(*, customer: Customer, logged_by, occurred_at=None, **fields) -> ContactMoment:
    """Write one contact moment. Use `followups.services.contact_log` for the whole logging flow."""
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": _("A contact that happened cannot be in the future.")})
    return ContactMoment.objects.create(customer=customer, logged_by=logged_by, occurred_at=occurred_at, **fields)

"""The screen-pop card's read: who is calling, as this user may see it (issue 12).

`cti.consumers` calls `screen_pop_card` for every `call.pop` a tab receives,
then renders `cti/_screen_pop.html`. One function decides what the card holds:

- a number that one customer has: that customer's recognition panel (form of
  address, pinned details, last contacts, open promises and check-ins) and the
  log form, pre-filled with this call;
- a number several customers share: each of them, with its own log link;
- an unknown number: the new-customer form with the number in Phone;
- an anonymous caller: says so, and offers the new-customer form only.

Who may see a call: `cti.selectors.calls_for`, the caller log's rule (the members
of its team, that team's lead, and managers). Anyone else gets no card (None):
not even that a call came in.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from contactcare.id_urls import id_url
from contacts import selectors as contact_selectors
from contacts.models import ContactMoment, Customer, CustomerDetail
from contacts.normalize import phone_display
from followups import selectors as followup_selectors

from . import selectors
from .models import Call

LAST_CONTACTS = 3  # as on the customer page
SHARED_LISTED = 10  # a number shared by more customers lists these and links to the search for the rest


@dataclass(frozen=True)
class CallerCustomer:
    customer: Customer
    log_url: str  # the log form, pre-filled with this call


@dataclass
class ScreenPopCard:
    call: Call
    kind: str  # "known", "shared", "unknown" or "anonymous"
    number: str  # the caller's number as the desk reads it ("" when anonymous)
    started_at: datetime
    callers: list[CallerCustomer] = field(default_factory=list)
    more_callers: bool = False  # a shared number with more customers than listed
    new_customer_url: str = ""
    search_url: str = ""
    # The one known caller's recognition panel (contacts/_recognition.html) and follow-ups.
    details: list[CustomerDetail] = field(default_factory=list)
    last_contacts: list[ContactMoment] = field(default_factory=list)
    followups: object = None

    @property
    def dom_id(self) -> str:
        """The card's element id: unique per call, so that cards stack on any page."""
        return f"screen-pop-{self.call.pk}"

    @property
    def caller(self) -> CallerCustomer | None:
        return self.callers[0] if self.kind == "known" else None


def call_log_url(*, call: Call, customer: Customer) -> str:
    """The log form for `customer`, pre-filled: this call, by phone, inbound or outbound, at the call's start."""
    outbound = call.direction == Call.Direction.OUTBOUND
    direction = ContactMoment.Direction.OUTBOUND if outbound else ContactMoment.Direction.INBOUND
    query = urlencode(
        {
            "call": call.pk,
            "channel": ContactMoment.Channel.PHONE,
            "direction": direction,
            "at": timezone.localtime(call.started_at).isoformat(timespec="seconds"),
        }
    )
    return f"{id_url('followups:contact-log', customer.pk)}?{query}"


def _callers(call: Call) -> tuple[list[Customer], bool]:
    """The customers this number belongs to (merged-away rows left out), and whether there are more."""
    if not call.caller_number:
        return ([call.customer] if call.customer and not call.customer.merged_into_id else []), False
    found = list(
        Customer.objects.filter(phone=call.caller_number, merged_into__isnull=True).order_by("full_name", "pk")[
            : SHARED_LISTED + 1
        ]
    )
    # The customer the telephone endpoint matched comes first, even when its phone changed since.
    if call.customer and not call.customer.merged_into_id:
        found = [call.customer, *(c for c in found if c.pk != call.customer_id)]
    return found[:SHARED_LISTED], len(found) > SHARED_LISTED


def screen_pop_card(call_pk: int, user) -> ScreenPopCard | None:
    """What the card of call `call_pk` shows to `user`, or None when there is no such call or not for them.

    A fixed number of queries: the call (with the access rule), the callers; for one known caller its
    details, last contacts, open promises and check-ins.
    """
    if not (user.is_authenticated and user.is_active):
        return None
    # Who may see a call: `selectors.calls_for`, the caller log's rule (its team's members and lead, managers).
    call = selectors.calls_for(user=user).select_related("customer").filter(pk=call_pk).first()
    if call is None:
        return None
    card = ScreenPopCard(
        call=call,
        kind="anonymous",
        number="" if call.is_anonymous else (phone_display(call.caller_number) or call.from_number),
        started_at=call.started_at,
        new_customer_url=reverse("contacts:customer-create"),
    )
    if call.is_anonymous:
        return card
    customers, card.more_callers = _callers(call)
    card.callers = [CallerCustomer(customer=c, log_url=call_log_url(call=call, customer=c)) for c in customers]
    if call.caller_number:
        card.new_customer_url += "?" + urlencode({"phone": call.caller_number})
        card.search_url = reverse("contacts:customer-search") + "?" + urlencode({"q": call.caller_number})
    if not customers:
        card.kind = "unknown"
    elif len(customers) > 1:
        card.kind = "shared"
    else:
        card.kind = "known"
        customer = customers[0]
        card.details = list(customer.details.all())  # pinned first
        card.last_contacts = contact_selectors.customer_last_contacts(customer=customer, count=LAST_CONTACTS)
        card.followups = followup_selectors.customer_followups(customer=customer)
    return card

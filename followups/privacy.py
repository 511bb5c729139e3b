"""Privacy requests about one customer: export everything held on them, or erase the person.

Here, not in `contacts`, because a customer's data reaches into follow-ups
(promises, check-ins, notifications) and `contacts` must not import
`followups`. Each act writes a `contactcare.PrivacyAudit` row: act, actor,
when, the customer's id — never personal data.

Erasing anonymises in place: the rows stay (foreign keys are PROTECT, and
the weekly report counts them), only the personal texts go — from the live
tables, the edit history and the notifications.
"""

import json
import tempfile
import zipfile
from datetime import datetime
from typing import IO

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contactcare import webhooks
from contactcare.models import Notification, PrivacyAudit
from contacts.imports import rows_read
from contacts.models import ContactMoment, Customer, CustomerDetail, CustomerImport
from contacts.normalize import phone_display, text_normalize
from contacts.services import with_actor

from .handovers import handovers_withdraw
from .models import CheckIn, Handover, Promise
from .notifications import _customer_link

ERASED_NUMBER_PREFIX = "ERASED-"
# History reasons the code writes itself: they say what happened, nothing about the person.
SYSTEM_REASONS = ("done", "kept", "superseded", "erased", "merged", "replied sooner")
REASON_MAX_LENGTH = 200
SPOOL_MAX_BYTES = 8 * 1024 * 1024  # larger exports go to a temporary file on disk


def _neutral(text: str) -> str:
    """A neutral text in the desk's language: it is stored, and read by everyone."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(_(text))


def customer_is_erased(customer: Customer) -> bool:
    return customer.customer_number == f"{ERASED_NUMBER_PREFIX}{customer.pk}"


# --- Export ---------------------------------------------------------------------


def _row(instance: models.Model, *, skip: tuple[str, ...] = ()) -> dict:
    """Every concrete field of a row (foreign keys as ids), as JSON-ready values."""
    return {
        field.attname: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if field.attname not in skip and not isinstance(field, models.BinaryField)
    }


def _history(model: type[models.Model], condition: Q) -> list[dict]:
    return [_row(row) for row in model.history.model.objects.filter(condition).order_by("history_date", "pk")]


def _promises_of(customer: Customer, phones: tuple[str, ...] = ()) -> Q:
    """The customer's promises and callbacks, and the callbacks of missed calls from their phone number (or
    `phones`) that no customer was found for: those are about this person too."""
    numbers = [number for number in (customer.phone, *phones) if number and number.startswith("+")]
    by_number = Q(kind=Promise.Kind.CALLBACK, customer__isnull=True, number__in=numbers) if numbers else Q(pk__in=[])
    return Q(customer=customer) | by_number


def customer_export_data(*, customer: Customer) -> dict:
    """Everything held on one customer, with the edit history of each part (a selector: reads only)."""
    # Contacts read once, rows and ids together: the merged customers below then cost no extra query.
    moments = list(ContactMoment.objects.filter(customer=customer).order_by("occurred_at", "pk"))
    moment_ids = [m.pk for m in moments]
    promise_ids = list(Promise.objects.filter(_promises_of(customer)).values_list("pk", flat=True))
    checkin_ids = list(CheckIn.objects.filter(customer=customer).values_list("pk", flat=True))
    # Duplicates merged into this customer: their rows (blanked by the merge) and their history (not blanked).
    merged = list(Customer.objects.filter(merged_into=customer).order_by("pk"))
    from cti.services import calls_export_for  # cti builds on followups: imported here, not at the top

    return {
        "exported_at": timezone.now(),
        "customer": _row(customer),
        "merged_customers": [_row(c) for c in merged],
        "details": [_row(d) for d in CustomerDetail.objects.filter(customer=customer).order_by("pk")],
        "contacts": [_row(m) for m in moments],
        "promises": [_row(p) for p in Promise.objects.filter(pk__in=promise_ids).order_by("pk")],
        "checkins": [_row(c) for c in CheckIn.objects.filter(pk__in=checkin_ids).order_by("pk")],
        "handovers": [_row(h) for h in Handover.objects.filter(customer=customer).order_by("created_at", "pk")],
        "calls": calls_export_for(customer),  # the telephone system's calls recognised as theirs
        "notifications": [
            _row(n, skip=("attachment",))
            for n in Notification.objects.filter(link=_customer_link(customer.pk)).order_by("pk")
        ],
        "history": {
            "customer": _history(Customer, Q(id=customer.pk)),
            "contacts": _history(ContactMoment, Q(customer_id=customer.pk) | Q(id__in=moment_ids)),
            "promises": _history(Promise, Q(customer_id=customer.pk) | Q(id__in=promise_ids)),
            "checkins": _history(CheckIn, Q(customer_id=customer.pk) | Q(id__in=checkin_ids)),
            "merged_customers": _history(Customer, Q(id__in=[c.pk for c in merged])) if merged else [],
        },
    }


def _sections(data: dict) -> list[tuple[str, list[dict]]]:
    """(title, rows) for the readable page, in the order a person reads their file."""
    history = data["history"]
    return [
        (_("Customer"), [data["customer"]]),
        (_("Details to remember"), data["details"]),
        (_("Contacts"), data["contacts"]),
        (_("Promises"), data["promises"]),
        (_("Check-ins"), data["checkins"]),
        (_("Handovers"), data["handovers"]),
        (_("Calls"), data["calls"]),
        (_("Notifications about this customer"), data["notifications"]),
        (_("History of the customer"), history["customer"]),
        (_("History of the contacts"), history["contacts"]),
        (_("History of the promises"), history["promises"]),
        (_("History of the check-ins"), history["checkins"]),
        (_("Customers merged into this one"), data["merged_customers"]),
        (_("History of the customers merged into this one"), history["merged_customers"]),
    ]


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds") if timezone.is_aware(value) else str(value)
    return str(value)


def customer_export(*, customer: Customer, actor) -> IO[bytes]:
    """A ZIP (readable HTML page and JSON) of everything held on `customer`, recorded in the privacy audit.

    Built in a temporary file (in memory while small), rewound, ready to stream.
    """
    data = customer_export_data(customer=customer)
    sections = [
        (title, list(rows[0]) if rows else [], [[_plain(v) for v in row.values()] for row in rows])
        for title, rows in _sections(data)
    ]
    html = render_to_string(
        "followups/privacy_export.html",
        {"customer": customer, "exported_at": data["exported_at"], "sections": sections},
    )
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115 - the response closes it
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("customer.html", html)
        zf.writestr("customer.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
    archive.seek(0)
    PrivacyAudit.objects.create(act=PrivacyAudit.Act.EXPORT, actor=actor, customer_id=customer.pk)
    return archive


# --- Erase ----------------------------------------------------------------------


def _personal_texts(customer: Customer, merged_ids: list[int]) -> list[str]:
    """What identifies the person in someone else's text (a digest line): longest first.

    Customers merged into this one are blank now; what they held is in their history.
    """
    texts = {customer.full_name, customer.preferred_address, customer.email, customer.phone}
    fields = ("full_name", "preferred_address", "email", "phone")
    for row in Customer.history.model.objects.filter(id__in=merged_ids).values_list(*fields) if merged_ids else ():
        texts |= set(row)
    for phone in [text for text in texts if text and text.startswith("+")]:
        texts.add(phone_display(phone))
    texts |= set(CustomerDetail.objects.filter(customer=customer).values_list("text", flat=True))
    return sorted((t for t in texts if t and len(t) >= 3), key=len, reverse=True)


def _reason_check(reason: str, customer: Customer) -> str:
    reason = text_normalize(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the customer is erased (e.g. the request's reference).")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("At most %(max)d characters (this is %(length)d).")
                % {"max": REASON_MAX_LENGTH, "length": len(reason)}
            }
        )
    folded = reason.casefold()
    personal = (customer.full_name, customer.preferred_address, customer.email, customer.phone)
    # Texts shorter than three characters ("Jo", a one-letter name) are in any sentence: not a sign of the person.
    if any(text and len(text) >= 3 and text.casefold() in folded for text in personal):
        raise ValidationError({"reason": _("The reason is kept: leave the customer's name and contact data out.")})
    return reason


def _close_open_followups(customer: Customer, actor, now: datetime) -> None:
    """Close what is still ahead: nobody is to call an erased person.

    Items already past due stay as they are: a promise that broke (or a
    check-in that went overdue) is part of a week that has been reported,
    and erasing a person must not change any report's figures.
    """
    reason = _neutral("erased")
    for checkin in CheckIn.objects.open().filter(customer=customer, due_date__gte=timezone.localdate(now)):
        checkin.status, checkin.skip_reason, checkin.closed_at = CheckIn.Status.SKIPPED, reason, now
        with_actor(checkin, actor, "erased").save(update_fields=["status", "skip_reason", "closed_at"])
    for promise in Promise.objects.open().filter(customer=customer, due_at__gte=now):
        promise.status, promise.cancel_reason, promise.cancelled_at = Promise.Status.CANCELLED, reason, now
        with_actor(promise, actor, "erased").save(update_fields=["status", "cancel_reason", "cancelled_at"])


def _purge_reasons(history: models.QuerySet, neutral: str) -> None:
    history.exclude(history_change_reason__in=SYSTEM_REASONS).exclude(history_change_reason__isnull=True).exclude(
        history_change_reason=""
    ).update(history_change_reason=neutral)


def _rewrite_notifications(customer: Customer, texts: list[str], neutral: dict[str, str]) -> None:
    link = _customer_link(customer.pk)
    Notification.objects.filter(link=link).update(
        subject=neutral["subject"], body=neutral["body"], html_body="", attachment=None, attachment_name=""
    )
    if not texts:
        return
    # Others (a morning digest) name the person on a line of their own, with what was promised:
    # that whole line becomes neutral, the rest of the message stays.
    mentions = Q()
    for text in texts:
        mentions |= Q(subject__contains=text) | Q(body__contains=text) | Q(html_body__contains=text)
    changed = []
    for notification in Notification.objects.filter(mentions).exclude(link=link):
        for field in ("subject", "body", "html_body"):
            lines = getattr(notification, field).split("\n")
            lines = [f"- {neutral['name']}" if any(t in line for t in texts) else line for line in lines]
            setattr(notification, field, "\n".join(lines))
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["subject", "body", "html_body"])


def _mentions(value, needles: list[str]) -> bool:
    folded = str(value).casefold()
    return any(needle.casefold() in folded for needle in needles)


def _scrub_imports(needles: list[str], neutral: dict[str, str]) -> None:
    """Uploaded files and their reports that name the person.

    A finished import has already dropped its file and preview (contacts.imports); its per-line report
    may still name a customer number: those lines say "(erased)". An import not finished keeps its file
    to resume: if the person is in it, the whole file goes (it cannot be edited line by line, and
    importing it later would bring the person back), and the import stops saying why.
    """
    needles = [needle for needle in needles if needle and len(needle) >= 3]
    if not needles:
        return
    for found in CustomerImport.objects.only("pk", "errors").iterator(chunk_size=50):
        if _mentions(found.errors, needles):
            errors = [
                {**error, "message": neutral["text"]} if _mentions(error, needles) else error for error in found.errors
            ]
            CustomerImport.objects.filter(pk=found.pk).update(errors=errors)
    for unfinished in (
        CustomerImport.objects.exclude(status=CustomerImport.Status.DONE).exclude(content=b"").iterator(chunk_size=1)
    ):
        try:
            headers, rows = rows_read(bytes(unfinished.content), unfinished.format)
        except ValidationError:
            headers, rows = [], []
        cells = [*headers, *(cell for row in rows for cell in row)]
        if _mentions(unfinished.preview, needles) or any(_mentions(cell, needles) for cell in cells):
            CustomerImport.objects.filter(pk=unfinished.pk).update(
                content=b"",
                preview=[],
                status=CustomerImport.Status.FAILED,
                stop_reason=_neutral("The file was discarded: someone in it was erased at their request."),
            )


@transaction.atomic
def customer_erase(*, customer: Customer, actor, reason: str) -> Customer:
    """Erase the person behind `customer`, everywhere, in one transaction; the anonymous rows stay for counting.

    Anonymised in place: the customer's fields, contact summaries, promise
    descriptions and skip/cancel reasons (live and in the edit history, with
    the history's free-text reasons), handover notes (pending handovers are
    withdrawn), the notifications about the customer, the thank-you notes' links to their contacts and
    lines naming them (issue 14);
    details to remember are deleted; check-ins and promises still ahead are
    closed with reason "erased". Recorded in the privacy audit with `reason`.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer_is_erased(customer):
        raise ValidationError(_("This customer has already been erased."), code="erased")
    if customer.merged_into_id:
        raise ValidationError(
            _("This customer was merged into another; erase that one, and this one goes with it."), code="merged"
        )
    reason = _reason_check(reason, customer)
    now = timezone.now()
    merged = list(Customer.objects.select_for_update().filter(merged_into=customer).order_by("pk"))
    texts = _personal_texts(customer, [m.pk for m in merged])
    neutral = {
        "name": _neutral("Erased customer"),
        "text": _neutral("(erased)"),
        "reason": _neutral("erased"),
        "subject": _neutral("About an erased customer"),
        "body": _neutral("The customer this message was about has been erased at their request."),
    }
    number = f"{ERASED_NUMBER_PREFIX}{customer.pk}"
    numbers = [customer.customer_number, *(row.customer_number for row in merged)]

    # Callbacks of missed calls from the person's number(s) that no customer was found for become theirs
    # first, so that what follows (closing, blanking the number) covers them.
    phones = tuple(
        Customer.history.model.objects.filter(id__in=[customer.pk, *(row.pk for row in merged)])
        .exclude(phone="")
        .values_list("phone", flat=True)
        .distinct()
    )
    Promise.objects.filter(_promises_of(customer, phones) & Q(customer__isnull=True)).update(customer=customer)
    _close_open_followups(customer, actor, now)
    from cti.services import calls_erase_for  # cti builds on followups: imported here, not at the top

    calls_erase_for([customer.pk, *(row.pk for row in merged)], actor)  # the calls hold the phone number

    moment_ids = list(ContactMoment.objects.filter(customer=customer).values_list("pk", flat=True))
    promise_ids = list(Promise.objects.filter(customer=customer).values_list("pk", flat=True))
    checkin_ids = list(CheckIn.objects.filter(customer=customer).values_list("pk", flat=True))
    detail_ids = list(CustomerDetail.objects.filter(customer=customer).values_list("pk", flat=True))

    # Live rows. Saved with the actor: the customer's history gets one "erased" row, without the person in it.
    customer.full_name, customer.customer_number, customer.search_name = neutral["name"], number, ""
    customer.preferred_address = customer.phone = customer.email = ""
    with_actor(customer, actor, "erased").save()
    CustomerDetail.objects.filter(pk__in=detail_ids).delete()
    webhooks.deliveries_forget_customers(customer_ids=[customer.pk, *(row.pk for row in merged)])
    ContactMoment.objects.filter(pk__in=moment_ids).update(summary=neutral["text"])
    Promise.objects.filter(pk__in=promise_ids).update(description=neutral["text"], number="")
    Promise.objects.filter(pk__in=promise_ids).exclude(cancel_reason="").update(cancel_reason=neutral["reason"])
    CheckIn.objects.filter(pk__in=checkin_ids).exclude(skip_reason="").update(skip_reason=neutral["reason"])
    # Handovers (issue 13): the notes say what the person needs; one still waiting is withdrawn (nobody is to
    # take an erased person), the rest stay as counted. Handover rows have no edit history of their own.
    customer_handovers = Handover.objects.filter(customer=customer)
    handovers_withdraw(handovers=customer_handovers, actor=actor, now=now)
    customer_handovers.update(note=neutral["text"])

    # The edit history: the same rows as they were, without the personal texts.
    customer_history = Customer.history.model.objects.filter(id=customer.pk)
    customer_history.update(
        full_name=neutral["name"], customer_number=number, search_name="", preferred_address="", phone="", email=""
    )
    moment_history = ContactMoment.history.model.objects.filter(Q(customer_id=customer.pk) | Q(id__in=moment_ids))
    moment_history.update(summary=neutral["text"])
    promise_history = Promise.history.model.objects.filter(Q(customer_id=customer.pk) | Q(id__in=promise_ids))
    promise_history.update(description=neutral["text"], number="")
    promise_history.exclude(cancel_reason="").update(cancel_reason=neutral["reason"])
    checkin_history = CheckIn.history.model.objects.filter(Q(customer_id=customer.pk) | Q(id__in=checkin_ids))
    checkin_history.exclude(skip_reason="").update(skip_reason=neutral["reason"])
    for history in (customer_history, moment_history, promise_history, checkin_history):
        _purge_reasons(history, neutral["reason"])
    for row in merged:  # duplicates merged into this customer: the same person, erased with it
        row.full_name, row.customer_number, row.search_name = neutral["name"], f"{ERASED_NUMBER_PREFIX}{row.pk}", ""
        row.preferred_address = row.phone = row.email = ""
        with_actor(row, actor, "erased").save()
        row_history = Customer.history.model.objects.filter(id=row.pk)
        row_history.update(
            full_name=neutral["name"],
            customer_number=row.customer_number,
            search_name="",
            preferred_address="",
            phone="",
            email="",
        )
        _purge_reasons(row_history, neutral["reason"])

    _rewrite_notifications(customer, texts, neutral)
    from coaching.services import thank_you_notes_forget  # coaching builds on followups: imported here

    thank_you_notes_forget(
        customer_ids=[customer.pk, *(row.pk for row in merged)], texts=texts, neutral=neutral["text"]
    )
    _scrub_imports([*texts, *numbers], neutral)

    # The admin's log names objects by their text (a detail's text, "name (number)").
    for model, ids in (
        (Customer, [customer.pk, *(row.pk for row in merged)]),
        (CustomerDetail, detail_ids),
        (ContactMoment, moment_ids),
        (Promise, promise_ids),
        (CheckIn, checkin_ids),
    ):
        if ids:
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in ids]
            ).update(object_repr=neutral["name"], change_message="")

    PrivacyAudit.objects.create(act=PrivacyAudit.Act.ERASE, actor=actor, customer_id=customer.pk, reason=reason)
    return customer

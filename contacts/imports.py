"""Importing customers, or their contact history, from a CSV or XLSX file: read, map the columns, dry run,
import in batches.

Every line goes through the same rules as the form (`services.customer_prepare`,
`services.customer_detail_prepare`; for contact history see `import_history`); nothing here re-spells them.
A line that matches an existing customer (customer number, else e-mail, else phone) updates it, so importing
the same file twice creates nothing new. Batches commit whole; `processed_rows` moves with each committed
batch, so a stopped import resumes where it stopped. A file of more than IMPORT_DRY_RUN_INLINE_MAX_LINES
lines is dry-run in the Celery worker too (status "checking", with the same progress bar).
"""

import csv
import io
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from contactcare.spreadsheets import safe_row

from . import import_history, services
from .models import ContactMoment, Customer, CustomerDetail, CustomerImport
from .normalize import customer_number_normalize, email_normalize, name_normalize, phone_display, phone_normalize

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
PREVIEW_ROWS = 20
MAX_BYTES = 20 * 1024 * 1024
CUSTOMER_FIELDS = ("customer_number", "full_name", "preferred_address", "phone", "email", "language")
FIELDS = (*CUSTOMER_FIELDS, "detail")
# Column headers as Dutch and English files spell them (compared after name_normalize).
HEADERS = {
    "customer_number": [
        "klantnummer", "klantnr", "klant nr", "relatienummer", "debiteurnummer", "nummer",
        "customer number", "customer no", "customer id", "number",
    ],
    "full_name": ["naam", "volledige naam", "klantnaam", "name", "full name", "customer name"],
    "preferred_address": [
        "aanspreekvorm", "aanhef", "roepnaam", "preferred form of address", "form of address", "salutation",
    ],
    "phone": [
        "telefoon", "telefoonnummer", "tel", "mobiel", "mobiel nummer", "gsm",
        "phone", "phone number", "telephone", "mobile",
    ],
    "email": ["e mail", "email", "e mailadres", "emailadres", "mail", "email address", "e mail address"],
    "language": ["taal", "voorkeurstaal", "language", "preferred language"],
    "detail": [
        "details", "detail", "bijzonderheden", "bijzonderheid", "opmerking", "opmerkingen", "onthouden",
        "details to remember", "detail to remember", "notes", "note", "remarks",
    ],
}  # fmt: skip
_HEADER_FIELD = {spelling: name for name, spellings in HEADERS.items() for spelling in spellings}
_HISTORY_HEADER_FIELD = {
    spelling: name
    for name, spellings in [*import_history.HEADERS.items(), *((k, HEADERS[k]) for k in import_history.KEY_FIELDS)]
    for spelling in spellings
}
KINDS = CustomerImport.Kind
LANGUAGES = {
    "nl": "nl", "nld": "nl", "ned": "nl", "nederlands": "nl", "dutch": "nl",
    "en": "en", "eng": "en", "engels": "en", "english": "en",
}  # fmt: skip
_BLANK_LINE = re.compile(r"^(?=\r?$)", re.MULTILINE)


def field_label(name: str) -> str:
    """The field's name in the user's language, as the form shows it."""
    if name == "detail":
        return str(CustomerDetail._meta.get_field("text").verbose_name)
    if name in CUSTOMER_FIELDS:
        return str(Customer._meta.get_field(name).verbose_name)
    if name in import_history.MOMENT_FIELDS:
        return str(ContactMoment._meta.get_field(name).verbose_name)
    return _("file")


def _fields(kind: str) -> tuple[str, ...]:
    return import_history.FIELDS if kind == KINDS.CONTACTS else FIELDS


def field_choices(kind: str = KINDS.CUSTOMERS) -> list[tuple[str, str]]:
    return [("", _("(do not import)")), *((name, field_label(name)) for name in _fields(kind))]


# --- Reading ----------------------------------------------------------------------


def format_guess(file_name: str, content: bytes) -> str:
    if content[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        return CustomerImport.Format.XLSX
    return CustomerImport.Format.CSV


def _delimiter(text: str) -> str:
    """`;` (what Excel writes in Dutch) or `,`: the sniffer on the first lines, else the more frequent one."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        first = sample.partition("\n")[0]
        return ";" if first.count(";") > first.count(",") else ","


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number column in Excel: 612345678.0
    return str(value).replace("\x00", "")  # a NUL is no data, and PostgreSQL's JSON cannot hold it


def rows_read(content: bytes, file_format: str) -> tuple[list[str], list[list[str]]]:
    """The header and the lines of a file, every cell as text. Raises ValidationError on `file`."""
    import tablib  # only the import screens and task need it

    dataset = tablib.Dataset()
    try:
        if file_format == CustomerImport.Format.XLSX:
            dataset.load(io.BytesIO(content), format="xlsx")  # the first sheet
        else:
            try:
                text = content.decode("utf-8-sig")  # with or without the BOM Excel writes
            except UnicodeDecodeError:
                raise ValidationError(
                    {"file": _("This file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)”.")},
                    code="encoding",
                ) from None
            # tablib drops blank lines; an empty cell on them keeps every later line's number exact.
            dataset.load(_BLANK_LINE.sub('""', text), format="csv", delimiter=_delimiter(text))
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001 - any reader failure is one message to the user
        logger.info("customer import: unreadable file (%s)", type(error).__name__)
        raise ValidationError(
            {"file": _("This file cannot be read as CSV or XLSX, or a line has more columns than the header.")},
            code="unreadable",
        ) from None
    headers = [_cell(header).strip() for header in dataset.headers or []]
    rows = [[_cell(value) for value in row] for row in dataset]
    return headers, rows


def mapping_guess(headers: list[str], kind: str = KINDS.CUSTOMERS) -> dict[str, str]:
    """Known Dutch and English headers mapped to their field; each field at most once (the first column)."""
    known = _HISTORY_HEADER_FIELD if kind == KINDS.CONTACTS else _HEADER_FIELD
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        name = known.get(name_normalize(header), "")
        if name in taken:
            name = ""
        taken.add(name)
        mapping[str(index)] = name
    return mapping


def mapping_check(mapping: dict[str, str], headers: list[str], kind: str = KINDS.CUSTOMERS) -> dict[str, str]:
    """A mapping chosen on the preview screen: known fields, each at most once, a key to match on."""
    clean = {str(index): mapping.get(str(index)) or "" for index in range(len(headers))}
    chosen = [name for name in clean.values() if name]
    if any(name not in _fields(kind) for name in chosen):
        raise ValidationError(_("Choose a field from the list for every column."), code="unknown_field")
    twice = sorted({field_label(name) for name in chosen if chosen.count(name) > 1})
    if twice:
        raise ValidationError(
            _("Each field can come from one column only: %(fields)s.") % {"fields": ", ".join(twice)}, code="twice"
        )
    if not {"customer_number", "email", "phone"} & set(chosen):
        raise ValidationError(
            _("Map a column to customer number, e-mail or phone: lines are matched on those."), code="no_key"
        )
    missing = [field_label(name) for name in import_history.REQUIRED if kind == KINDS.CONTACTS and name not in chosen]
    if missing:
        raise ValidationError(
            _("Map a column to each of these fields: %(fields)s.") % {"fields": ", ".join(missing)}, code="missing"
        )
    return clean


def _lines(rows: list[list[str]], mapping: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """(line number in the file, {field: text}); line 1 is the header."""
    columns = [(int(index), name) for index, name in mapping.items() if name]
    return [
        (number, {name: row[index] if index < len(row) else "" for index, name in columns})
        for number, row in enumerate(rows, start=2)
        if any(cell.strip() for cell in row)  # a blank line is no customer, nor an error
    ]


# --- Planning a batch ---------------------------------------------------------------


@dataclass
class _Line:
    number: int
    values: dict[str, str]
    customer: Customer | None = None
    action: str = ""  # create, update, unchanged; empty when the line failed
    detail: CustomerDetail | None = None
    errors: list[dict] = field(default_factory=list)

    def error(self, name: str, message) -> None:
        self.errors.append({"line": self.number, "field": name, "message": str(message)})


@dataclass
class _Seen:
    """What earlier lines of the file used: a second line with the same key is a duplicate."""

    numbers: dict[str, int] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)
    phones: dict[str, int] = field(default_factory=dict)
    customers: dict[int, int] = field(default_factory=dict)
    file_numbers: set[str] = field(default_factory=set)


def _keys(values: dict[str, str]) -> tuple[str, str, str]:
    phone = values.get("phone", "").strip()
    return (
        customer_number_normalize(values.get("customer_number", "")),
        email_normalize(values.get("email", "")),
        (phone_normalize(phone) or "") if phone else "",
    )


def _duplicates(line: _Line, seen: _Seen, keys: tuple[str, str, str]) -> None:
    """Report a line whose customer number or e-mail (or, without both, phone) an earlier line used; remember it."""
    number, email, phone = keys
    if number and number in seen.numbers:
        line.error(
            "customer_number",
            _("Customer number %(number)s is also on line %(line)s.")
            % {"number": number, "line": seen.numbers[number]},
        )
    if email and email in seen.emails:
        line.error("email", _("This e-mail address is also on line %(line)s.") % {"line": seen.emails[email]})
    if not number and not email and phone and phone in seen.phones:
        line.error("phone", _("This phone number is also on line %(line)s.") % {"line": seen.phones[phone]})
    if not (number or email or line.values.get("phone", "").strip()):
        line.error(
            "customer_number",
            _("A line needs a customer number, e-mail or phone, so that importing again finds the customer."),
        )
    seen.numbers.setdefault(number, line.number) if number else None
    seen.emails.setdefault(email, line.number) if email else None
    if phone and not number and not email:
        seen.phones.setdefault(phone, line.number)


def _service_errors(line: _Line, error: ValidationError, *, field_name: str | None = None) -> None:
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            for message in messages:
                line.error(field_name or name, message)
    else:
        for message in error.messages:
            line.error(field_name or "full_name", message)


def _plan(chunk: list[tuple[int, dict[str, str]]], *, actor, seen: _Seen) -> list[_Line]:
    """Decide, for every line of a batch, what it does and with which values (a handful of queries)."""
    lines = [_Line(number, values) for number, values in chunk]
    keys = [_keys(line.values) for line in lines]
    numbers = {number for number, _email, _phone in keys if number}
    emails = {email for _number, email, _phone in keys if email}
    phones = {phone for number, email, phone in keys if phone and not number and not email}
    by_number = {c.customer_number: c for c in Customer.objects.filter(customer_number__in=numbers)}
    by_email: dict[str, list[Customer]] = {}
    for customer in Customer.objects.filter(email__in=emails).order_by("pk"):
        by_email.setdefault(customer.email, []).append(customer)
    by_phone: dict[str, Customer] = {}
    for customer in Customer.objects.filter(phone__in=phones).order_by("-pk"):
        by_phone[customer.phone] = customer  # the oldest wins
    for line, (number, email, phone) in zip(lines, keys, strict=True):
        _duplicates(line, seen, (number, email, phone))
        if number:
            target = by_number.get(number)
        elif email:
            target = (by_email.get(email) or [None])[0]
        else:
            target = by_phone.get(phone)
        _prepare(line, target, actor=actor)
        if line.customer is not None and line.customer.email:
            others = [c for c in by_email.get(line.customer.email, []) if target is None or c.pk != target.pk]
            if others:
                line.error(
                    "email",
                    _("This e-mail address belongs to another customer (%(number)s).")
                    % {"number": others[0].customer_number},
                )
        if target is not None and getattr(target, "merged_into_id", None):
            line.error(
                "customer_number",
                _("Customer %(number)s was merged into another customer: use that customer's number.")
                % {"number": target.customer_number},
            )
        if target is not None:
            if target.pk in seen.customers:
                line.error(
                    "customer_number",
                    _("This line updates the same customer as line %(line)s.") % {"line": seen.customers[target.pk]},
                )
            seen.customers.setdefault(target.pk, line.number)
        if line.errors:
            line.action = ""
    return lines


def _prepare(line: _Line, target: Customer | None, *, actor) -> None:
    """The customer as it will be stored: the form's rules on the new values (empty cells change nothing)."""
    given = {name: line.values[name] for name in CUSTOMER_FIELDS if line.values.get(name, "").strip()}
    if "language" in given:
        given["language"] = LANGUAGES.get(given["language"].strip().lower(), given["language"].strip())
    if target is None:
        customer = Customer(**given)
        phone_changed = True
    else:
        customer = Customer(**{f.attname: getattr(target, f.attname) for f in Customer._meta.concrete_fields})
        customer._state.adding = False
        for name, value in given.items():
            setattr(customer, name, value)
        phone_changed = "phone" in given and not services.phone_unchanged(given["phone"], target.phone)
        if not phone_changed:
            customer.phone = target.phone
    try:
        services.customer_prepare(customer, phone_changed=phone_changed)
    except ValidationError as error:
        _service_errors(line, error)
    text = line.values.get("detail", "").strip()
    if text:
        try:
            line.detail = services.customer_detail_prepare(customer=None, actor=actor, text=text)
        except ValidationError as error:
            _service_errors(line, error, field_name="detail")
    if line.errors:
        return
    line.customer = customer
    if target is None:
        line.action = "create"
    elif any(getattr(customer, name) != getattr(target, name) for name in (*CUSTOMER_FIELDS, "search_name")):
        line.action = "update"
    else:
        line.action = "unchanged"


def _apply(lines: list[_Line], *, actor, seen: _Seen, reason: str) -> None:
    """Write one planned batch: new customers, changed ones, new details, each with a history row by `actor`."""
    creates = [line.customer for line in lines if line.action == "create"]
    updates = [line.customer for line in lines if line.action == "update"]
    unnumbered = [customer for customer in creates if not customer.customer_number]
    for customer, number in zip(
        unnumbered, services.customer_numbers_next(len(unnumbered), avoid=seen.file_numbers), strict=True
    ):
        customer.customer_number = number
    if creates:
        bulk_create_with_history(
            creates, Customer, batch_size=BATCH_SIZE, default_user=actor, default_change_reason=reason
        )
    if updates:
        now = timezone.now()
        for customer in updates:
            customer.updated_at = now
        bulk_update_with_history(
            updates,
            Customer,
            [*CUSTOMER_FIELDS, "search_name", "updated_at"],
            batch_size=BATCH_SIZE,
            default_user=actor,
            default_change_reason=reason,
        )
    with_detail = [line for line in lines if line.action and line.detail is not None]
    known = {
        (customer_id, text.lower())
        for customer_id, text in CustomerDetail.objects.filter(
            customer_id__in=[line.customer.pk for line in with_detail]
        ).values_list("customer_id", "text")
    }
    details = []
    for line in with_detail:
        if (line.customer.pk, line.detail.text.lower()) not in known:
            known.add((line.customer.pk, line.detail.text.lower()))
            line.detail.customer = line.customer
            details.append(line.detail)
    CustomerDetail.objects.bulk_create(details)


def _count(customer_import: CustomerImport, lines: list[_Line]) -> None:
    for line in lines:
        if line.action == "create":
            customer_import.created += 1
        elif line.action == "update":
            customer_import.updated += 1
        elif line.action == "unchanged":
            customer_import.unchanged += 1
        else:
            customer_import.failed += 1
        customer_import.errors.extend(line.errors)


def _preview_row(line: _Line) -> dict:
    customer = line.customer
    if customer is None or not line.action:
        return {"line": line.number, "action": "", "values": line.values}
    return {
        "line": line.number,
        "action": line.action,
        "customer_number": customer.customer_number,
        "full_name": customer.full_name,
        "preferred_address": customer.preferred_address,
        "phone": phone_display(customer.phone),
        "email": customer.email,
        "language": customer.language,
        "detail": line.detail.text if line.detail else "",
    }


def _batches(lines: list, size: int):
    for start in range(0, len(lines), size):
        yield start, lines[start : start + size]


def _seen_new(lines: list[tuple[int, dict[str, str]]]) -> _Seen:
    return _Seen(
        file_numbers={
            n for _line, values in lines if (n := customer_number_normalize(values.get("customer_number", "")))
        }
    )


# --- One kind or the other ----------------------------------------------------------


def _is_history(customer_import: CustomerImport) -> bool:
    return customer_import.kind == KINDS.CONTACTS


def _seen_for(customer_import: CustomerImport, lines: list[tuple[int, dict[str, str]]]):
    return {} if _is_history(customer_import) else _seen_new(lines)


def _plan_for(customer_import: CustomerImport, chunk, *, seen) -> list:
    if _is_history(customer_import):
        return import_history.plan(chunk, actor=customer_import.actor, seen=seen)
    return _plan(chunk, actor=customer_import.actor, seen=seen)


def _preview_for(customer_import: CustomerImport, line) -> dict:
    return import_history.preview_row(line) if _is_history(customer_import) else _preview_row(line)


# --- Use cases --------------------------------------------------------------------


def _dry_run(customer_import: CustomerImport, rows: list[list[str]], *, progress=None) -> None:
    """Plan every line without writing: the counts and errors the import would have, and the first rows.

    `progress(lines_done)` is called after every batch (the worker's dry run moves the progress bar with it).
    """
    lines = _lines(rows, customer_import.mapping)
    seen = _seen_for(customer_import, lines)
    customer_import.total = len(lines)
    customer_import.created = customer_import.updated = customer_import.unchanged = customer_import.failed = 0
    customer_import.errors, customer_import.preview = [], []
    for start, chunk in _batches(lines, BATCH_SIZE):
        planned = _plan_for(customer_import, chunk, seen=seen)
        _count(customer_import, planned)
        if len(customer_import.preview) < PREVIEW_ROWS:
            customer_import.preview += [
                _preview_for(customer_import, line) for line in planned[: PREVIEW_ROWS - len(customer_import.preview)]
            ]
        if progress is not None:
            progress(start + len(chunk))


def _check(customer_import: CustomerImport, rows: list[list[str]]) -> None:
    """Dry-run now (a small file), or leave it to the worker (status "checking") and queue that after commit."""
    if len(rows) <= settings.IMPORT_DRY_RUN_INLINE_MAX_LINES:
        with translation.override(customer_import.language):
            _dry_run(customer_import, rows)
        customer_import.status = CustomerImport.Status.CHECKED
        return
    customer_import.status = CustomerImport.Status.CHECKING
    customer_import.total = len(_lines(rows, customer_import.mapping))
    customer_import.created = customer_import.updated = customer_import.unchanged = customer_import.failed = 0
    customer_import.processed_rows, customer_import.errors, customer_import.preview = 0, [], []
    customer_import.stop_reason = ""
    transaction.on_commit(lambda: _publish(customer_import.pk, check=True), robust=True)


@transaction.atomic
def customer_import_upload(
    *,
    actor,
    file_name: str,
    content: bytes,
    language: str,
    size: int | None = None,
    kind: str = CustomerImport.Kind.CUSTOMERS,
) -> CustomerImport:
    """Keep an uploaded file of customers or of contact history (`kind`), map its known headers and dry-run
    it (in the worker when it is big). Raises ValidationError on `file`."""
    size = len(content) if size is None else size
    if size > MAX_BYTES:
        raise ValidationError(
            {
                "file": _("This file is %(size).1f MB; the limit is 20 MB. Split it into smaller files.")
                % {"size": size / 1024 / 1024}
            },
            code="too_big",
        )
    if kind not in KINDS.values:
        raise ValidationError({"kind": _("Choose what the file holds.")}, code="kind")
    file_format = format_guess(file_name, content)
    headers, rows = rows_read(content, file_format)
    if not rows:
        raise ValidationError({"file": _("This file has a header but no lines to import.")}, code="empty")
    customer_import = CustomerImport(
        actor=actor,
        kind=kind,
        file_name=file_name[:255],
        content=content,
        format=file_format,
        language=language,
        headers=headers,
        mapping=mapping_guess(headers, kind),
    )
    _check(customer_import, rows)
    customer_import.save()
    return customer_import


def customer_import_headers(customer_import: CustomerImport) -> tuple[list[str], list[list[str]]]:
    return rows_read(bytes(customer_import.content), customer_import.format)


def import_headers(customer_import: CustomerImport) -> list[str]:
    """The file's header line: kept at upload (imports from before that read the file again)."""
    return customer_import.headers or customer_import_headers(customer_import)[0]


@transaction.atomic
def customer_import_map(*, customer_import: CustomerImport, actor, mapping: dict[str, str]) -> CustomerImport:
    """Change which column goes to which field, and dry-run again. Only before the import started."""
    customer_import = CustomerImport.objects.select_for_update().get(pk=customer_import.pk)
    if customer_import.status != CustomerImport.Status.CHECKED:
        raise ValidationError(_("This import has started; its columns can no longer change."), code="started")
    headers, rows = customer_import_headers(customer_import)
    customer_import.mapping = mapping_check(mapping, headers, customer_import.kind)
    _check(customer_import, rows)
    customer_import.save()
    return customer_import


def customer_import_check(*, import_id: int) -> CustomerImport:
    """The dry run of a big file, in the worker: progress as it goes, the result saved at the end.

    Reads only, so running it twice (a redelivered task) is harmless; the result is kept only while the
    import is still waiting for it with the same columns.
    """
    customer_import = CustomerImport.objects.get(pk=import_id)
    if customer_import.status != CustomerImport.Status.CHECKING:
        return customer_import

    def progress(done: int) -> None:
        CustomerImport.objects.filter(pk=import_id, status=CustomerImport.Status.CHECKING).update(processed_rows=done)

    try:
        _headers, rows = customer_import_headers(customer_import)
        with translation.override(customer_import.language):
            _dry_run(customer_import, rows, progress=progress)
    except Exception as error:
        CustomerImport.objects.filter(pk=import_id, status=CustomerImport.Status.CHECKING).update(
            stop_reason=type(error).__name__  # no personal data from the message
        )
        raise
    with transaction.atomic():
        current = CustomerImport.objects.select_for_update().defer("content").get(pk=import_id)
        if current.status != CustomerImport.Status.CHECKING or current.mapping != customer_import.mapping:
            return current
        fields = ["total", "created", "updated", "unchanged", "failed", "errors", "preview"]
        for name in fields:
            setattr(current, name, getattr(customer_import, name))
        current.status, current.processed_rows, current.stop_reason = CustomerImport.Status.CHECKED, 0, ""
        current.save(update_fields=[*fields, "status", "processed_rows", "stop_reason"])
    return current


@transaction.atomic
def customer_import_check_again(*, customer_import: CustomerImport, actor) -> CustomerImport:
    """Queue the worker's dry run again (after it stopped, or the broker was away). Harmless when it runs."""
    customer_import = CustomerImport.objects.select_for_update().get(pk=customer_import.pk)
    if customer_import.status == CustomerImport.Status.CHECKING:
        customer_import.stop_reason = ""
        customer_import.save(update_fields=["stop_reason"])
        transaction.on_commit(lambda: _publish(customer_import.pk, check=True), robust=True)
    return customer_import


@transaction.atomic
def customer_import_start(*, customer_import: CustomerImport, actor) -> CustomerImport:
    """Queue the import (after commit). Starting twice starts once; a stopped import resumes where it stopped."""
    customer_import = CustomerImport.objects.select_for_update().get(pk=customer_import.pk)
    if customer_import.status in {CustomerImport.Status.RUNNING, CustomerImport.Status.DONE}:
        return customer_import
    if customer_import.status == CustomerImport.Status.CHECKING:
        raise ValidationError(_("The file is still being checked; start the import when the check is done."))
    if not customer_import.content:
        raise ValidationError(_("This file is no longer kept; upload it again."), code="discarded")
    if customer_import.status == CustomerImport.Status.CHECKED:
        mapping_check(customer_import.mapping, import_headers(customer_import), customer_import.kind)
        customer_import.created = customer_import.updated = customer_import.unchanged = customer_import.failed = 0
        customer_import.errors, customer_import.processed_rows = [], 0
    customer_import.status = CustomerImport.Status.QUEUED
    customer_import.save()
    transaction.on_commit(lambda: _publish(customer_import.pk), robust=True)
    return customer_import


def _publish(import_id: int, *, check: bool = False) -> None:
    from .tasks import customer_import_check_task, customer_import_task  # tasks import this module

    try:
        (customer_import_check_task if check else customer_import_task).delay(import_id)
    except Exception as error:  # noqa: BLE001 - a broker outage must not reach the user; the page offers a retry
        logger.warning("broker unavailable, customer import %s waits: %s", import_id, type(error).__name__)
        if check:  # the page shows why it waits, with *Check again*
            CustomerImport.objects.filter(pk=import_id, status=CustomerImport.Status.CHECKING).update(
                stop_reason=type(error).__name__
            )


def customer_import_run(*, import_id: int, batch_size: int | None = None) -> CustomerImport:
    """Import the lines not imported yet, a batch per transaction. Safe to run twice, and after a crash."""
    batch_size = batch_size or BATCH_SIZE
    updated = CustomerImport.objects.filter(
        pk=import_id, status__in=[CustomerImport.Status.QUEUED, CustomerImport.Status.FAILED]
    ).update(status=CustomerImport.Status.RUNNING, stop_reason="")
    customer_import = CustomerImport.objects.get(pk=import_id)
    if not updated:
        return customer_import  # done, not started, or running elsewhere
    with translation.override(customer_import.language):
        reason = _("Imported from %(file)s") % {"file": customer_import.file_name}
        _headers, rows = customer_import_headers(customer_import)
        lines = _lines(rows, customer_import.mapping)
        seen = _seen_for(customer_import, lines)
        position = 0
        try:
            for position, chunk in _batches(lines, batch_size):
                if position + len(chunk) <= customer_import.processed_rows:
                    _remember(customer_import, chunk, seen)  # imported before a stop
                    continue
                _batch_run(customer_import, position, chunk, seen=seen, reason=reason)
        except Exception as error:
            stopped_at = lines[position][0] if position < len(lines) else position
            CustomerImport.objects.filter(pk=import_id).update(
                status=CustomerImport.Status.FAILED,
                stop_reason=f"line {stopped_at}: {type(error).__name__}",  # no personal data from the message
            )
            raise
    # Done: the file and its preview rows (personal data of every line) are no longer needed and go; the
    # counts and the per-line report stay. A stopped import keeps its file, to resume.
    CustomerImport.objects.filter(pk=import_id).update(
        status=CustomerImport.Status.DONE,
        finished_at=timezone.now(),
        processed_rows=len(lines),
        total=len(lines),
        content=b"",
        preview=[],
    )
    customer_import.refresh_from_db()
    return customer_import


def _remember(customer_import: CustomerImport, chunk, seen) -> None:
    """Lines a stopped run imported: only what later lines are compared with (duplicates in the file)."""
    if _is_history(customer_import):
        import_history.plan(chunk, actor=customer_import.actor, seen=seen)
        return
    for number, values in chunk:
        _duplicates(_Line(number, values), seen, _keys(values))


@transaction.atomic
def _batch_run(customer_import: CustomerImport, position: int, chunk, *, seen, reason: str) -> None:
    # Not the file (megabytes) nor the preview: a batch only moves the counts on.
    locked = CustomerImport.objects.select_for_update().defer("content", "preview").get(pk=customer_import.pk)
    if locked.processed_rows > position:
        return  # a twin run (a redelivered task) committed this batch already
    if locked.processed_rows < position:
        raise RuntimeError("a batch before this one is missing")
    actor = customer_import.actor
    lines = _plan_for(customer_import, chunk, seen=seen)
    if _is_history(customer_import):
        import_history.apply(lines, actor=actor, import_id=customer_import.pk)
    else:
        _apply(lines, actor=actor, seen=seen, reason=reason)
    _count(locked, lines)
    locked.processed_rows = position + len(chunk)
    locked.save(update_fields=["created", "updated", "unchanged", "failed", "errors", "processed_rows"])


def report_rows(customer_import: CustomerImport) -> list[list]:
    """The import's report as rows for a CSV: the counts, then every bad line (line, field, message)."""
    counts = [
        [_("lines"), customer_import.total],
        [_("created"), customer_import.created],
        [_("updated"), customer_import.updated],
        [_("unchanged"), customer_import.unchanged],
        [_("failed"), customer_import.failed],
        [],
        [_("line"), _("field"), _("message")],
    ]
    errors = [[e["line"], field_label(e["field"]), e["message"]] for e in customer_import.errors]
    return [safe_row(row) for row in [*counts, *errors]]

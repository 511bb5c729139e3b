"""Outgoing webhooks (issue 12): events written as outbox rows, POSTed signed, retried with the outbox's backoff.

- `emit` / `emit_rows` write one `WebhookDelivery` per active endpoint
  subscribed to the event, in the caller's transaction, with ON CONFLICT DO
  NOTHING on (endpoint, event_key): an event reaches an endpoint once,
  however often it is emitted. `emit_rows` is set-based (one INSERT …
  SELECT for a sweep's hundred thousand rows). After commit a worker is
  asked to deliver; the beat sweep delivers anyway when the broker is down.
- `dispatch` claims due deliveries (the outbox's claim: exclusive, even with
  two workers), POSTs each as JSON with a timestamped HMAC-SHA256 signature,
  and marks it sent (2xx), failed (retried after `outbox.backoff`) or dead
  (after WEBHOOK_MAX_ATTEMPTS). An endpoint that fails is left alone for
  the rest of the run, and a run stops at WEBHOOK_RUN_SECONDS, so a slow
  receiver delays only its own deliveries (and never the e-mails: those are
  another task).
- SSRF guard: http/https only; an address that resolves to a loopback,
  private, link-local, multicast or reserved address is refused at
  registration and again at every delivery (the delivery connects to the
  address it checked), unless WEBHOOK_ALLOW_PRIVATE is on.
- Services for the managers' page: register, change, rotate the secret,
  pause/resume, delete, send a test event, retry a delivery.

Payloads carry ids and non-personal fields only (no names, phone numbers,
e-mail addresses or summaries); receivers fetch details through the API.
Below the apps: this module imports no app (the apps build their rows).
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import re
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, Count, Func, Q, QuerySet, TextField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from . import outbox
from .models import SweepRun, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger(__name__)

DISPATCH = "webhooks-dispatch"  # the delivery sweep's name in SweepRun
CHECKINS_OVERDUE = "webhooks-checkins-overdue"  # the overdue check-ins sweep (followups.sweeps)
TEST_EVENT = "webhook.test"
URL_MAX_LENGTH = 500  # as WebhookEndpoint.url
DESCRIPTION_MAX_LENGTH = 200
TIMEOUT_SECONDS = 5
ERROR_MAX_LENGTH = 200
SIGNATURE_HEADER = "X-ContactCare-Signature"
USER_AGENT = "ContactCare-Webhooks/1"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --- Time in payloads ----------------------------------------------------------------


def timestamp(value: datetime | None) -> str | None:
    """A moment as payloads write it: ISO 8601 in UTC to the second, `2026-12-02T21:15:44Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class Timestamp(Func):
    """`timestamp()` in SQL, for payloads built by the database (emit_rows): the same text on both databases."""

    output_field = TextField()

    def as_postgresql(self, compiler, conn, **extra):
        return self.as_sql(
            compiler, conn, template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        )

    def as_sqlite(self, compiler, conn, **extra):
        # The format as a parameter: a literal % in the SQL breaks Django's debug cursor (sql % params).
        sql, params = self.as_sql(compiler, conn, template="strftime(%%s, %(expressions)s)")
        return sql, ["%Y-%m-%dT%H:%M:%SZ", *params]


# --- Emitting ------------------------------------------------------------------------


def _subscribed_sql(event: str) -> tuple[str, list]:
    """The ids of the active endpoints subscribed to `event`, as SQL (no round trip to Python)."""
    table = connection.ops.quote_name(WebhookEndpoint._meta.db_table)
    if connection.vendor == "postgresql":
        return f"SELECT id FROM {table} WHERE is_active AND events @> %s::jsonb", [json.dumps([event])]  # noqa: S608
    return (
        f"SELECT id FROM {table} WHERE is_active AND EXISTS "  # noqa: S608 - names from the model, values bound
        "(SELECT 1 FROM json_each(events) WHERE json_each.value = %s)",
        [event],
    )


def _insert(event: str, rows_sql: str, rows_params: list, endpoints_sql: str, endpoints_params: list) -> int:
    """INSERT … SELECT: a delivery per row × endpoint, new ones only (row columns: wh_key, wh_customer, …)."""
    q = connection.ops.quote_name
    table = q(WebhookDelivery._meta.db_table)
    new_uuid = "gen_random_uuid()" if connection.vendor == "postgresql" else "lower(hex(randomblob(16)))"
    now = timezone.now()
    sql = f"""INSERT INTO {table}
            (uuid, endpoint_id, event, event_key, customer_id, occurred_at, payload, status, attempts,
             next_attempt_at, last_error, created_at)
        SELECT {new_uuid}, e.id, %s, %s || r.wh_key, r.wh_customer, r.wh_occurred, r.wh_data, %s, 0, %s, '', %s
        FROM ({rows_sql}) r CROSS JOIN ({endpoints_sql}) e
        WHERE true
        ON CONFLICT DO NOTHING"""  # noqa: S608 - names from the models, every value bound
    when = outbox.db_value(WebhookDelivery, "created_at", now)
    params = [event, f"{event}:", WebhookDelivery.Status.PENDING, when, when, *rows_params, *endpoints_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = max(cursor.rowcount, 0)
    if written:
        dispatch_soon()
    return written


def emit(event: str, key: str, data: dict, *, occurred_at: datetime | None = None) -> int:
    """Write `event` about `key` (an id: "42") for every active endpoint subscribed to it, once per endpoint.

    In the caller's transaction; `data` holds ids and non-personal fields
    only (its "customer_id", if any, lets erasing the customer delete the
    delivery). Returns how many deliveries were written.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    if connection.vendor == "postgresql":
        rows_sql = (
            "SELECT CAST(%s AS TEXT) AS wh_key, CAST(%s AS BIGINT) AS wh_customer, "
            "CAST(%s AS TIMESTAMPTZ) AS wh_occurred, CAST(%s AS JSONB) AS wh_data"
        )
    else:
        rows_sql = "SELECT %s AS wh_key, %s AS wh_customer, %s AS wh_occurred, %s AS wh_data"
    occurred = outbox.db_value(WebhookDelivery, "occurred_at", occurred_at or timezone.now())
    rows_params = [str(key), data.get("customer_id"), occurred, json.dumps(data, sort_keys=True)]
    return _insert(event, rows_sql, rows_params, *_subscribed_sql(event))


def emit_rows(event: str, rows: QuerySet) -> int:
    """Set-based `emit`: one INSERT … SELECT for every row of `rows`, however many.

    `rows` is a `.values()` queryset with the columns `wh_key` (text: the
    id), `wh_customer` (the customer's id or NULL), `wh_occurred` and
    `wh_data` (a JSONObject; datetimes through `Timestamp`). The apps build
    it, so that this module needs to know none of their models.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    rows_sql, rows_params = rows.query.sql_with_params()
    return _insert(event, rows_sql, list(rows_params), *_subscribed_sql(event))


def dispatch_soon() -> None:
    outbox.publish_soon(dispatch_task)


def deliveries_forget_customers(*, customer_ids: Sequence[int]) -> int:
    """An erased customer is gone from the webhooks too: their deliveries (sent or not) are deleted."""
    deleted, _ = WebhookDelivery.objects.filter(customer_id__in=outbox.id_set(list(customer_ids))).delete()
    return deleted


# --- The SSRF guard -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a URL points, checked: the connection goes to `address`, with `host` as its name (Host, TLS)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


class Blocked(Exception):
    """The URL is not one we may call (its scheme, or an address inside the network)."""


def _address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return not ip.is_unspecified
    return ip.is_global and not ip.is_multicast


def url_normalize(url: str) -> str:
    """The URL as stored and called, or a ValidationError saying what is wrong (never cut, never guessed)."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": _("Enter the URL to send the events to.")}, code="required")
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            {
                "url": _("A URL has at most %(max)s characters; this one has %(length)s.")
                % {"max": URL_MAX_LENGTH, "length": len(url)}
            },
            code="max_length",
        )
    if _CONTROL.search(url) or " " in url:
        raise ValidationError({"url": _("A URL cannot contain spaces or control characters.")}, code="invalid")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed [ of an IPv6 address
        raise ValidationError({"url": _("This URL's host or port cannot be read.")}, code="invalid") from None
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise ValidationError({"url": _("Enter a URL that starts with https:// (or http://).")}, code="scheme")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            {"url": _("Leave the user name and password out of the URL: receivers check the signature instead.")},
            code="credentials",
        )
    try:
        host = hostname.encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        raise ValidationError({"url": _("This URL's host or port cannot be read.")}, code="invalid") from None
    rest = urlunsplit(("", "", parts.path, parts.query, ""))
    if not rest.isascii():
        raise ValidationError({"url": _("Write the path of the URL in ASCII characters (percent-encoded).")})
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def resolve(url: str) -> Target:
    """Where `url` (normalised) leads, if every address its host resolves to may be called; else Blocked."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Blocked("scheme")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise Blocked("unreadable") from error
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise Blocked("unresolvable") from error
    addresses = [info[4][0] for info in found]
    if not addresses or not all(_address_allowed(address) for address in addresses):
        raise Blocked("private address")
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


def url_check(url: str) -> str:
    """`url_normalize`, then the SSRF guard at registration: the URL as stored, or a ValidationError."""
    url = url_normalize(url)
    try:
        resolve(url)
    except Blocked as error:
        if str(error) == "unresolvable":
            message = _("The host of this URL cannot be found.")
        else:
            message = _("This URL leads into the internal network (or to this server); use a public address.")
        raise ValidationError({"url": message}, code="blocked") from None
    return url


# --- Services for the managers' page --------------------------------------------------


def _events_check(events) -> list[str]:
    chosen = sorted({str(event) for event in events or ()})
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")}, code="required")
    unknown = [event for event in chosen if event not in WebhookEvent.values]
    if unknown:
        raise ValidationError({"events": _("Unknown event.")}, code="invalid_choice")
    return chosen


def _description_check(description: str) -> str:
    description = " ".join((description or "").split())
    if _CONTROL.search(description):
        raise ValidationError({"description": _("The description cannot contain control characters.")})
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": _("A description has at most %(max)s characters; this one has %(length)s.")
                % {"max": DESCRIPTION_MAX_LENGTH, "length": len(description)}
            },
            code="max_length",
        )
    return description


def secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _with_actor(instance, actor, reason: str | None = None):
    """The next history row names `actor` (contacts.services.with_actor, which this module may not import)."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    return instance


@transaction.atomic
def endpoint_create(*, actor, url: str, events, description: str = "") -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret, to be shown to the manager this once."""
    errors = {}
    checked = {}
    for name, check, value in (
        ("url", url_check, url),
        ("events", _events_check, events),
        ("description", _description_check, description),
    ):
        try:
            checked[name] = check(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    secret = secret_new()
    endpoint = WebhookEndpoint(secret=secret, created_by=actor, **checked)
    _with_actor(endpoint, actor, "registered").save()
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, actor, url: str, events, description: str = "") -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    errors = {}
    for name, check, value in (
        ("url", url_check, url),
        ("events", _events_check, events),
        ("description", _description_check, description),
    ):
        try:
            setattr(endpoint, name, check(value))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _with_actor(endpoint, actor, "changed").save(update_fields=["url", "events", "description"])
    return endpoint


@transaction.atomic
def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, actor) -> str:
    """A new secret at once (deliveries still waiting are signed with it); returns it, to be shown once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret, endpoint.secret_rotated_at = secret_new(), timezone.now()
    _with_actor(endpoint, actor, "secret rotated").save(update_fields=["secret", "secret_rotated_at"])
    return endpoint.secret


@transaction.atomic
def endpoint_set_active(*, endpoint: WebhookEndpoint, actor, active: bool) -> WebhookEndpoint:
    """Pause (no new events, waiting ones wait) or resume (what waited is delivered)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.is_active != active:
        endpoint.is_active = active
        _with_actor(endpoint, actor, "resumed" if active else "paused").save(update_fields=["is_active"])
        if active:
            dispatch_soon()
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    """Delete an endpoint with its deliveries (the history keeps who registered and deleted it)."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    if endpoint is not None:
        _with_actor(endpoint, actor, "deleted").delete()


@transaction.atomic
def endpoint_test(*, endpoint: WebhookEndpoint, actor, key: uuid.UUID) -> WebhookDelivery:
    """A `webhook.test` event to this endpoint alone, whatever it subscribed to; `key` (the form's) makes it once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        raise ValidationError(_("This endpoint is paused: resume it to send a test event."), code="paused")
    now = timezone.now()
    delivery, created = WebhookDelivery.objects.get_or_create(
        endpoint=endpoint,
        event_key=f"{TEST_EVENT}:{key}",
        defaults={
            "uuid": uuid.uuid4(),
            "event": TEST_EVENT,
            "occurred_at": now,
            "payload": {"endpoint_id": endpoint.pk, "sent_by_id": actor.pk},
            "next_attempt_at": now,
        },
    )
    if created:
        dispatch_soon()
    return delivery


@transaction.atomic
def delivery_retry(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Try a failed or given-up delivery again now, with a fresh count of attempts."""
    retried = WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=[WebhookDelivery.Status.FAILED, WebhookDelivery.Status.DEAD]
    ).update(status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
    if not retried:
        raise ValidationError(_("Only a failed delivery can be retried."), code="not_failed")
    logger.info("webhook delivery %s retried by user %s", delivery.pk, actor.pk)
    dispatch_soon()
    return WebhookDelivery.objects.get(pk=delivery.pk)


# --- Reading --------------------------------------------------------------------------


def endpoints_with_counts() -> QuerySet[WebhookEndpoint]:
    """Every endpoint with its deliveries counted per status (one query)."""
    status = WebhookDelivery.Status
    return WebhookEndpoint.objects.annotate(
        pending_count=Count("deliveries", filter=Q(deliveries__status__in=[status.PENDING, status.SENDING])),
        failed_count=Count("deliveries", filter=Q(deliveries__status=status.FAILED)),
        dead_count=Count("deliveries", filter=Q(deliveries__status=status.DEAD)),
        sent_count=Count("deliveries", filter=Q(deliveries__status=status.SENT)),
    ).order_by("pk")


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(endpoint.deliveries.defer("payload").order_by("-created_at", "-pk")[:limit])


@dataclass
class WebhookStatus:
    pending: int
    failed: int
    dead: int
    last_dispatch: SweepRun | None
    last_overdue_sweep: SweepRun | None


def webhook_status(*, sweeps: Sequence[SweepRun] | None = None) -> WebhookStatus:
    """The Status page's webhook counts (one query) and the webhook sweeps' heartbeat (from `sweeps`, if read)."""
    status = WebhookDelivery.Status
    counts = WebhookDelivery.objects.aggregate(
        pending=Count("pk", filter=Q(status__in=[status.PENDING, status.SENDING])),
        failed=Count("pk", filter=Q(status=status.FAILED)),
        dead=Count("pk", filter=Q(status=status.DEAD)),
    )
    if sweeps is None:
        sweeps = SweepRun.objects.filter(name__in=[DISPATCH, CHECKINS_OVERDUE])
    runs = {run.name: run for run in sweeps}
    return WebhookStatus(
        pending=counts["pending"],
        failed=counts["failed"],
        dead=counts["dead"],
        last_dispatch=runs.get(DISPATCH),
        last_overdue_sweep=runs.get(CHECKINS_OVERDUE),
    )


# --- Delivering -----------------------------------------------------------------------


def body(delivery: WebhookDelivery) -> bytes:
    """The JSON a delivery sends: the same bytes on every attempt (receivers deduplicate by "id")."""
    envelope = {
        "event": delivery.event,
        "id": str(delivery.uuid),
        "occurred_at": timestamp(delivery.occurred_at),
        "data": delivery.payload,
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode("ascii")


def signature(secret: str, sent_at: int, payload: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of "<timestamp>.<body>" under the endpoint's secret."""
    digest = hmac.new(secret.encode(), str(sent_at).encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address the guard checked, whatever the name resolves to by now (DNS rebinding)."""

    def __init__(self, target: Target, **kwargs):
        super().__init__(target.host, target.port, **kwargs)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, **kwargs):
        super().__init__(target.host, target.port, context=ssl.create_default_context(), **kwargs)
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # the name's certificate


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str = ""


def post(url: str, delivery: WebhookDelivery, secret: str) -> Outcome:
    """POST one delivery, signed; no redirect is followed, no proxy is used, TIMEOUT_SECONDS per step."""
    try:
        target = resolve(url)
    except Blocked as error:
        return Outcome(False, None, f"Blocked: {error}")
    payload = body(delivery)
    sent_at = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-ContactCare-Event": delivery.event,
        "X-ContactCare-Delivery": str(delivery.uuid),
        "X-ContactCare-Timestamp": str(sent_at),
        SIGNATURE_HEADER: signature(secret, sent_at, payload),
    }
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = kind(target, timeout=TIMEOUT_SECONDS)
    try:
        conn.request("POST", target.path, body=payload, headers=headers)
        response = conn.getresponse()
        response.read(64 * 1024)  # the answer is not kept; read a little so the connection ends cleanly
    except (OSError, http.client.HTTPException) as error:
        return Outcome(False, None, type(error).__name__)
    finally:
        conn.close()
    if 200 <= response.status < 300:
        return Outcome(True, response.status)
    if 300 <= response.status < 400:
        return Outcome(False, response.status, f"HTTP {response.status} (redirects are not followed)")
    return Outcome(False, response.status, f"HTTP {response.status}")


def _release(pks: list[int], until: datetime) -> None:
    """Claimed but not tried in this run: back as they were (not an attempt), due again at `until`."""
    if pks:
        WebhookDelivery.objects.filter(pk__in=outbox.id_set(pks), status=WebhookDelivery.Status.SENDING).update(
            status=Case(
                When(attempts=0, then=Value(WebhookDelivery.Status.PENDING)),
                default=Value(WebhookDelivery.Status.FAILED),
            ),
            next_attempt_at=until,
        )


def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> datetime | None:
    """Write what one attempt did; returns when it is tried again (None: sent or given up)."""
    attempts = delivery.attempts + 1
    rows = WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING)
    if outcome.ok:
        rows.update(
            status=WebhookDelivery.Status.SENT,
            attempts=attempts,
            sent_at=timezone.now(),
            last_status_code=outcome.status_code,
            last_error="",
            next_attempt_at=None,
        )
        return None
    dead = attempts >= settings.WEBHOOK_MAX_ATTEMPTS
    again = None if dead else now + outbox.backoff(attempts)
    rows.update(
        status=WebhookDelivery.Status.DEAD if dead else WebhookDelivery.Status.FAILED,
        attempts=attempts,
        last_status_code=outcome.status_code,
        last_error=outcome.error[:ERROR_MAX_LENGTH],
        next_attempt_at=again,
    )
    logger.warning(
        "webhook delivery %s to endpoint %s failed (attempt %s%s): %s",
        delivery.pk,
        delivery.endpoint_id,
        attempts,
        ", given up" if dead else "",
        outcome.error,
    )
    return again


def dispatch(*, now: datetime, limit: int | None = None) -> int:
    """Deliver what is due; returns how many deliveries were sent.

    Claims WEBHOOK_BATCH at a time (exclusively: two runs at once never send
    the same one) until nothing is due or WEBHOOK_RUN_SECONDS have passed.
    After an endpoint fails, the rest of its deliveries wait for its backoff
    instead of each waiting for a timeout. A crash between a POST and its
    record resends that one delivery after outbox.STUCK_AFTER: delivery is
    at least once, and receivers deduplicate by the delivery id.
    """
    WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - outbox.STUCK_AFTER
    ).update(
        status=Case(
            When(attempts=0, then=Value(WebhookDelivery.Status.PENDING)), default=Value(WebhookDelivery.Status.FAILED)
        )
    )
    deadline = time.monotonic() + settings.WEBHOOK_RUN_SECONDS
    resting: dict[int, datetime] = {}  # endpoints that failed in this run, and until when they rest
    sent = 0
    while time.monotonic() < deadline:
        due = WebhookDelivery.objects.due(now).exclude(endpoint_id__in=list(resting))
        claimed = [
            pk
            for (pk,) in outbox.claim(
                due,
                now=now,
                limit=limit or settings.WEBHOOK_BATCH,
                returning=("id",),
                claimed_status=WebhookDelivery.Status.SENDING,
            )
        ]
        if not claimed:
            break
        deliveries = list(
            WebhookDelivery.objects.filter(pk__in=outbox.id_set(claimed))
            .select_related("endpoint")
            .order_by("next_attempt_at", "pk")
        )
        untried: dict[datetime, list[int]] = {}
        for delivery in deliveries:
            if delivery.endpoint_id in resting or time.monotonic() >= deadline:
                untried.setdefault(resting.get(delivery.endpoint_id, now), []).append(delivery.pk)
                continue
            outcome = post(delivery.endpoint.url, delivery, delivery.endpoint.secret)
            again = _record(delivery, outcome, now)
            if outcome.ok:
                sent += 1
            else:
                resting[delivery.endpoint_id] = again or now + outbox.backoff(delivery.attempts + 1)
        for until, pks in untried.items():
            _release(pks, until)
        if limit:  # just one batch of the size asked for
            break
    return sent


def dispatch_sweep() -> int:
    return outbox.run(DISPATCH, lambda now: dispatch(now=now))


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def dispatch_task() -> int:
    """Thin: no arguments to go stale, safe to run twice (claims are exclusive)."""
    return dispatch_sweep()

"""`Idempotency-Key` on every POST: a repeat gets the first answer, never a second write.

- The key (1-255 visible ASCII characters) is unique per user; it is taken
  in the same transaction as the POST's writes, and its answer stored there too.
- The same key with the same request (method, path, body) replays the stored
  answer, with `Idempotent-Replayed: true`.
- The same key with another request: 422 (`idempotency_key_reused`).
- Two at once: the second waits on the key's unique index until the first
  commits, then replays its answer (or, if the first failed, runs itself).
- Only successful answers (2xx) are kept: a request refused (400, 404, ...)
  writes nothing, so its key stays free for the corrected retry, as the
  screens' submit-once keys do.
- Keys older than API_IDEMPOTENCY_KEY_HOURS (24) are ignored and removed.
"""

import contextlib
import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .exceptions import error_response
from .models import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(rf"^[\x21-\x7e]{{1,{IDEMPOTENCY_KEY_MAX_LENGTH}}}$", re.ASCII)


def request_fingerprint(request) -> str:
    """SHA-256 of method, path and body; a JSON body by its meaning (key order and spacing do not count)."""
    try:
        body = request.body
    except RawPostDataException:  # a multipart form, read by the middleware: never a JSON write of ours
        body = b"\x00form"
    with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _replay(stored: IdempotencyKey) -> Response:
    return Response(stored.response_body, status=stored.status_code, headers={REPLAYED_HEADER: "true"})


def _mismatch() -> Response:
    return error_response(
        status.HTTP_422_UNPROCESSABLE_ENTITY,
        _("This Idempotency-Key was used for another request; use a new key for a new request."),
        "idempotency_key_reused",
    )


def idempotent(request, run, *, customer_of=lambda data: None) -> Response:
    """Run `run()` (the view's handler, answering a Response) once per Idempotency-Key of this user.

    `customer_of(data)` names the customer a stored answer is about, so that erasing the customer drops it.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return run()
    if not _KEY.match(key):
        return error_response(
            status.HTTP_400_BAD_REQUEST,
            _("An Idempotency-Key is 1 to %(max)s visible ASCII characters.") % {"max": IDEMPOTENCY_KEY_MAX_LENGTH},
            "idempotency_key_invalid",
        )
    fingerprint = request_fingerprint(request)
    user = request.user
    cutoff = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_KEY_HOURS)
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=cutoff).delete()  # expired: forgotten
        try:
            with transaction.atomic():  # waits here while another request holds the same key, uncommitted
                record = IdempotencyKey.objects.create(
                    user=user,
                    key=key,
                    method=request.method,
                    path=request.path[:2000],
                    request_hash=fingerprint,
                    status_code=0,  # not answered yet: only ever seen inside this transaction
                )
        except IntegrityError:
            stored = IdempotencyKey.objects.filter(user=user, key=key).first()
            if stored is None:  # the other one failed and freed it meanwhile: a rare race, the client may retry
                return error_response(
                    status.HTTP_409_CONFLICT,
                    _("A request with this Idempotency-Key is still being handled; try again."),
                    "idempotency_key_in_use",
                )
            return _replay(stored) if stored.request_hash == fingerprint else _mismatch()
        response = run()
        if not 200 <= response.status_code < 300:
            transaction.set_rollback(True)  # nothing of a refused request stays, the key included
            return response
        body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
        record.status_code = response.status_code
        record.response_body = body
        record.customer_id = customer_of(body)
        record.save(update_fields=["status_code", "response_body", "customer"])
        return response

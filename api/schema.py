"""The schema's shared parts: every operation lists the errors any request can get, in the one error shape."""

ERROR = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["detail", "code", "fields"],
}
_COMMON = {
    "400": "Not valid: `fields` says which field and why (in the request's language).",
    "401": "No token, or one that is unknown, revoked or expired.",
    "403": "Your role may not do this.",
    "404": "Not found, or not yours to see.",
    "405": "Not a method of this resource.",
    "406": "Only JSON is answered.",
    "415": "Send JSON (Content-Type: application/json).",
    "429": "Too many requests: wait the seconds in Retry-After.",
}
_POST = {
    "409": "Another request with this Idempotency-Key is still being handled.",
    "422": "This Idempotency-Key was used for another request.",
}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "1-255 visible ASCII characters. A repeat of the same request gets the first answer again "
    "(header Idempotent-Replayed: true); kept 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"},
}


def add_common_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error responses and the Idempotency-Key header."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            extra = {**_COMMON, **(_POST if method == "post" else {})}
            for code, description in extra.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
            # A NUL byte in the query or path is refused at the edge, for the whole site, in plain text.
            responses["400"].setdefault("content", {})["text/plain"] = {"schema": {"type": "string"}}
            if method == "post":
                operation.setdefault("parameters", []).append(IDEMPOTENCY_HEADER)
    return result

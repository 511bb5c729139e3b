"""What a browser posts, for tests that use the test client."""

from datetime import datetime

from django.utils import timezone

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def contact_log_data(*, promises=(), **fields) -> dict:
    """The log-a-contact form as submitted: a resolved inbound call now, unless `fields` say otherwise.

    `promises`: dicts with description, due_at (a datetime or the typed text) and owner (a user).
    """
    data = {
        "channel": "phone",
        "direction": "in",
        "summary": "Vraag over de factuur van oktober",
        "outcome": "resolved",
        "fully_helped": "true",
        "sentiment_start": "3",
        "sentiment_end": "3",
        "occurred_at": timezone.localtime().strftime(DATETIME_LOCAL),
        "promises-TOTAL_FORMS": str(len(promises)),
        "promises-INITIAL_FORMS": "0",
    }
    for index, promise in enumerate(promises):
        due_at = promise.get("due_at", "")
        data[f"promises-{index}-description"] = promise.get("description", "")
        data[f"promises-{index}-due_at"] = (
            timezone.localtime(due_at).strftime(DATETIME_LOCAL) if isinstance(due_at, datetime) else due_at
        )
        data[f"promises-{index}-owner"] = str(promise["owner"].pk)
    data.update(fields)
    return data
